import DOMPurify from 'dompurify';
import hljs from 'highlight.js/lib/common';
import { Marked } from 'marked';
import { markedHighlight } from 'marked-highlight';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => ESCAPES[c] ?? c);

/**
 * Whether a picture's address stays on this server once the browser has parsed it: `/\host/x.png`
 * starts with a slash but loads from another host (browsers read `\` as `/`).
 */
function isOwnPath(href: string): boolean {
	const base = 'https://parley.invalid';
	try {
		return href.startsWith('/') && new URL(href, base).origin === base;
	} catch {
		return false;
	}
}

const marked = new Marked(
	{ gfm: true, breaks: true },
	markedHighlight({
		emptyLangClass: 'hljs',
		langPrefix: 'hljs language-',
		highlight(code, lang) {
			const language = hljs.getLanguage(lang) ? lang : 'plaintext';
			return hljs.highlight(code, { language }).value;
		}
	}),
	{
		renderer: {
			// Raw HTML in a message is shown as text, never interpreted.
			html: ({ text }) => escapeHtml(text),
			// Pictures from other sites become links: loading them would tell that site who read the
			// message and when (a model can be talked into such a beacon), and the CSP refuses them.
			image: ({ href, text }) =>
				isOwnPath(href)
					? `<img src="${escapeHtml(href)}" alt="${escapeHtml(text)}">`
					: `<a href="${escapeHtml(href)}">${escapeHtml(text || href)}</a>`
		}
	}
);

let hooked = false;
function purifier(): typeof DOMPurify {
	if (!hooked) {
		// Links open in a new tab and pass no referrer or opener.
		DOMPurify.addHook('afterSanitizeAttributes', (node) => {
			if (node.tagName === 'A') {
				node.setAttribute('target', '_blank');
				node.setAttribute('rel', 'noopener noreferrer nofollow');
			}
		});
		hooked = true;
	}
	return DOMPurify;
}

/**
 * GitHub-flavoured Markdown to safe HTML, in the browser: code highlighted, raw HTML escaped,
 * and the result sanitised (no scripts, event handlers or `javascript:` links).
 */
export function renderMarkdown(source: string): string {
	// Without a DOM (server-side rendering) DOMPurify hands its input back unchanged: show text.
	if (!DOMPurify.isSupported) return escapeHtml(source);
	const html = marked.parse(source, { async: false });
	return purifier().sanitize(html, {
		ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|#|\/)/i,
		FORBID_TAGS: ['style', 'form', 'input', 'button', 'iframe'],
		FORBID_ATTR: ['style']
	});
}
