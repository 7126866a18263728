/**
 * The XSS oracle, in Chromium with the app's CSP on. Three independent signals, each a failure:
 * 1. the canary: `__xss` (tests/xss/corpus.ts), `alert` and `prompt` are watched in every frame;
 *    any call, read or assignment is a hit, and so is any dialog;
 * 2. any Content-Security-Policy violation (a blocked inline handler means the sanitizer let one
 *    through; the CSP is the second wall, not the first). Chromium reports an `on*` attribute to
 *    the CSP as soon as it parses one, even into an inert document or a template, so code that
 *    must parse hostile HTML (a paste) is checked in a context without the CSP instead;
 * 3. the DOM, checked on every change as it happens (so what a streaming answer shows for a
 *    moment counts too) and scanned whole on demand: no `on*` attribute and no `javascript:`,
 *    `vbscript:` or `data:` URL (after the browser's own URL parsing; `data:image/*` only in an
 *    img's src) anywhere; no iframe, object, embed, base, frame or frameset anywhere; and inside
 *    the containers that render user, model or imported text, no script, form, meta, link,
 *    style, SVG animation or `use` elements.
 * Page errors are reported too: hostile input must not break rendering.
 */
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { CANARY } from './corpus.ts';

/** Where the app renders rich text from users, models and imports: Markdown and notes. */
export const CONTAINERS = ['.prose-message', '.ProseMirror'];

interface OracleConfig {
	canary: string;
	containers: string;
}

interface OracleReport {
	hits: string[];
	csp: string[];
	findings: string[];
}

declare global {
	interface Window {
		__xssOracle?: { report(scanAll: boolean): OracleReport };
	}
}

/** Runs in every document and frame before the page's own scripts. Self-contained. */
function installOracle(config: OracleConfig): void {
	const hits: string[] = [];
	const csp: string[] = [];
	const findings = new Set<string>();
	const record =
		(how: string) =>
		(...args: unknown[]) => {
			hits.push(`${how}(${args.map(String).join(', ')}) in ${location.href}`);
		};
	Object.defineProperty(window, config.canary, {
		configurable: false,
		get() {
			hits.push(`read ${config.canary} in ${location.href}`);
			return record(config.canary);
		},
		set(value: unknown) {
			hits.push(`${config.canary} = ${String(value)} in ${location.href}`);
		}
	});
	// Not `confirm`: the app asks before deleting (a dialog is reported either way).
	for (const name of ['alert', 'prompt'] as const) {
		Object.defineProperty(window, name, { configurable: false, value: record(name) });
	}
	document.addEventListener(
		'securitypolicyviolation',
		(event) => {
			csp.push(`${event.violatedDirective} blocked ${event.blockedURI} (${event.sample})`);
		},
		true
	);

	const URL_ATTRIBUTES = new Set([
		'href',
		'xlink:href',
		'src',
		'action',
		'formaction',
		'data',
		'poster',
		'background',
		'cite',
		'codebase',
		'ping',
		'lowsrc',
		'dynsrc',
		'longdesc'
	]);
	const ANIMATION = new Set(['set', 'animate', 'animatemotion', 'animatetransform']);
	const NOWHERE = 'iframe, object, embed, base, frame, frameset, applet, portal';
	const NOT_IN_CONTAINERS = `script, form, meta, link, style, use, ${[...ANIMATION].join(', ')}`;
	const describe = (element: Element) => {
		const html = element.outerHTML;
		// A test may mark what it rendered with the vector's id, to name it in the report.
		const vector = element.closest('[data-vector]')?.getAttribute('data-vector');
		return `${vector ? `(vector ${vector}) ` : ''}${html.length > 160 ? `${html.slice(0, 160)}…` : html}`;
	};
	const parse = (value: string) => {
		try {
			return new URL(value, document.baseURI);
		} catch {
			return null; // not a URL the browser would follow
		}
	};
	const inspect = (element: Element) => {
		const tag = element.localName.toLowerCase();
		const inContainer = element.closest(config.containers) !== null;
		if (element.matches(NOWHERE)) findings.add(`<${tag}> in the page: ${describe(element)}`);
		if (inContainer && element.matches(NOT_IN_CONTAINERS)) {
			findings.add(`<${tag}> in rendered text: ${describe(element)}`);
		}
		for (const attribute of element.attributes) {
			const name = attribute.name.toLowerCase();
			if (name.startsWith('on')) findings.add(`${name} attribute: ${describe(element)}`);
			if (name === 'srcdoc') findings.add(`srcdoc attribute: ${describe(element)}`);
			const isUrl =
				URL_ATTRIBUTES.has(name) ||
				name.endsWith(':href') ||
				(ANIMATION.has(tag) && ['to', 'from', 'by', 'values'].includes(name));
			const url = isUrl ? parse(attribute.value) : null;
			const picture = tag === 'img' && name === 'src' && url?.pathname.startsWith('image/');
			if (url && ['javascript:', 'vbscript:', 'data:'].includes(url.protocol) && !picture) {
				findings.add(`${name}=${url.protocol} URL: ${describe(element)}`);
			}
			if (
				inContainer &&
				name === 'style' &&
				/url\(|expression\(|javascript:/i.test(attribute.value)
			) {
				findings.add(`style with a URL in rendered text: ${describe(element)}`);
			}
		}
	};
	const inspectTree = (root: Element) => {
		inspect(root);
		for (const element of root.querySelectorAll('*')) inspect(element);
	};
	new MutationObserver((records) => {
		for (const change of records) {
			if (change.type === 'attributes') inspect(change.target as Element);
			for (const node of change.addedNodes) {
				if (node.nodeType === Node.ELEMENT_NODE) inspectTree(node as Element);
			}
		}
	}).observe(document, { subtree: true, childList: true, attributes: true });

	Object.defineProperty(window, '__xssOracle', {
		configurable: false,
		value: {
			report(scanAll: boolean) {
				if (scanAll && document.documentElement) inspectTree(document.documentElement);
				return { hits: [...hits], csp: [...csp], findings: [...findings] };
			}
		}
	});
}

/**
 * Watches a browser context: the oracle goes into every page and frame it opens, and CSP
 * violations Chromium logs on the console, page errors and dialogs are collected.
 */
export class XssWatch {
	readonly context: BrowserContext;
	readonly #problems: string[] = [];

	private constructor(context: BrowserContext) {
		this.context = context;
		context.on('console', (message) => {
			if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
				this.#problems.push(`CSP violation on ${message.page()?.url()}: ${message.text()}`);
			}
		});
		context.on('page', (page) => this.#watchPage(page));
	}

	/**
	 * A new context, signed in with `session` (a `parley_session` token) if given. `containers`
	 * replaces where rendered text is looked for (e.g. `body` for an exported file). With `csp:
	 * false` the pages' Content-Security-Policy is ignored, so only the canary and the DOM tell
	 * whether something got through.
	 */
	static async open(
		browser: Browser,
		options: { baseURL?: string; session?: string; containers?: string[]; csp?: false } = {}
	): Promise<XssWatch> {
		const context = await browser.newContext({
			baseURL: options.baseURL,
			bypassCSP: options.csp === false
		});
		if (options.session && options.baseURL) {
			await context.addCookies([
				{ name: 'parley_session', value: options.session, url: options.baseURL, httpOnly: true }
			]);
		}
		await context.addInitScript(installOracle, {
			canary: CANARY,
			containers: (options.containers ?? CONTAINERS).join(', ')
		} satisfies OracleConfig);
		return new XssWatch(context);
	}

	#watchPage(page: Page): void {
		page.on('pageerror', (error) => this.#problems.push(`page error on ${page.url()}: ${error}`));
		page.on('dialog', (dialog) => {
			this.#problems.push(`dialog (${dialog.type()}) on ${page.url()}: ${dialog.message()}`);
			void dialog.dismiss().catch(() => undefined);
		});
	}

	async newPage(): Promise<Page> {
		return this.context.newPage();
	}

	/**
	 * Everything wrong so far in this context's pages: canary hits, CSP violations and DOM
	 * findings from every frame (each scanned whole now), page errors and dialogs. Empty is clean.
	 */
	async problems(): Promise<string[]> {
		const found = [...this.#problems];
		for (const page of this.context.pages()) {
			for (const frame of page.frames()) {
				const report = await frame
					.evaluate(() => window.__xssOracle?.report(true))
					.catch(() => undefined);
				if (!report) continue;
				found.push(
					...report.hits.map((hit) => `canary: ${hit}`),
					...report.csp.map((violation) => `CSP (${frame.url()}): ${violation}`),
					...report.findings.map((finding) => `DOM (${frame.url()}): ${finding}`)
				);
			}
		}
		return [...new Set(found)];
	}

	async close(): Promise<void> {
		await this.context.close();
	}
}
