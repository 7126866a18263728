/**
 * The XSS corpus: hostile inputs for every surface that renders user, model or imported text.
 * Every vector is written here (no third-party vector data, so no licence to carry): tags ×
 * event handlers × separators × quoting × case × payload encodings, generated; a hand-written list
 * of mutation (mXSS) and namespace-confusion shapes; Markdown links of every kind × dangerous
 * schemes × obfuscations; Markdown-specific shapes (titles breaking out of quotes, HTML in
 * tables, nested and unbalanced fences, HTML in inline code); and hostile URLs and attributes
 * for rich-text documents.
 *
 * Each vector, if it ever runs, calls or touches the canary global `__xss` with its own id, so a
 * hit names the vector. The oracle that watches for it is `tests/xss/oracle.ts`.
 */

/** The global every vector tries to call or set. */
export const CANARY = '__xss';

export interface Vector {
	/** Unique across the corpus; the argument the vector passes to the canary. */
	id: number;
	family: string;
	text: string;
}

/** The ways a payload is spelled inside a JavaScript context (handler or `javascript:` URL). */
type Spelling = (id: number) => string;

const call: Spelling = (id) => `${CANARY}(${id})`;
const entities = (text: string, hex: boolean, semicolon = true) =>
	[...text]
		.map(
			(c) =>
				`&#${hex ? 'x' + c.charCodeAt(0).toString(16) : c.charCodeAt(0)}${semicolon ? ';' : ''}`
		)
		.join('');

/** Payload spellings for event-handler attributes (HTML-decoded before they run as script). */
const HANDLER_SPELLINGS: Spelling[] = [
	call,
	(id) => entities(call(id), false),
	(id) => entities(call(id), true, false),
	(id) => `\\u005f\\u005fxss(${id})`,
	(id) => `top['${CANARY}'](${id})`,
	(id) => `${CANARY}\`${id}\``,
	(id) => `self[atob('${btoa(CANARY)}')](${id})`,
	(id) => `${CANARY}=${id}`
];

/** Payload spellings for `javascript:` URLs (URL-decoded before they run). */
const URL_SPELLINGS: Spelling[] = [
	call,
	(id) => `%5F%5Fxss(${id})`,
	(id) => `//%0a${CANARY}(${id})`,
	(id) => `${CANARY}%28${id}%29`
];

/**
 * Elements that fire an event without anyone touching them, with that event. Their last value is
 * quoted, so a `/` after it still separates attributes.
 */
const AUTO_FIRING: [open: string, handler: string, close: string][] = [
	['img src="x"', 'onerror', ''],
	['svg', 'onload', '</svg>'],
	['body', 'onload', ''],
	['input autofocus', 'onfocus', ''],
	['details open', 'ontoggle', '</details>'],
	['video src="x"', 'onerror', '</video>'],
	['audio src="x"', 'onerror', '</audio>'],
	['style', 'onload', '</style>'],
	['iframe', 'onload', '</iframe>'],
	['marquee', 'onstart', '</marquee>'],
	['select autofocus', 'onfocus', '</select>'],
	['textarea autofocus', 'onfocus', '</textarea>'],
	['object data="x"', 'onerror', '</object>'],
	['image src="x"', 'onerror', ''],
	['link rel="stylesheet" href="x"', 'onerror', ''],
	['script src="x"', 'onerror', '</script>'],
	['svg><animate attributeName=x dur="1s"', 'onbegin', '</svg>'],
	['svg><image href="x"', 'onerror', '</svg>'],
	['math><maction actiontype="statusline"', 'onmouseover', '</math>'],
	['div tabindex=1 id=x autofocus', 'onfocusin', '</div>'],
	['a href=# autofocus', 'onfocus', '</a>'],
	['keygen autofocus', 'onfocus', ''],
	['frameset', 'onload', ''],
	['svg><set attributeName=x to=1 dur="1s"', 'onend', '</svg>']
];

/** What may stand between a tag's name or attributes and the next attribute. */
const SEPARATORS = [' ', '/', '\n', '\t', '\f', ' /', '\r\n'];
const QUOTES = ['', '"', "'"];
const CASES: ((name: string) => string)[] = [
	(name) => name,
	(name) => name.toUpperCase(),
	(name) => [...name].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('')
];

/** Tags × handlers, each tag in rotating combinations of separator, quoting, case and spelling. */
function* markupVectors(): Generator<[string, Spelling[]]> {
	const perTag = 6;
	for (const [t, [open, handler, close]] of AUTO_FIRING.entries()) {
		for (let i = 0; i < perTag; i++) {
			const separator = SEPARATORS[(i + t) % SEPARATORS.length];
			const quote = QUOTES[(i + 2 * t) % QUOTES.length];
			const name = CASES[Math.floor((i + t) / 2) % CASES.length](handler);
			const spelling = HANDLER_SPELLINGS[(i * 3 + t) % HANDLER_SPELLINGS.length];
			yield [`<${open}${separator}${name}=${quote}$0${quote}>${close}`, [spelling]];
		}
	}
}

/**
 * Mutation and namespace-confusion shapes: markup that parses one way when sanitized and another
 * way when serialized and parsed again, raw-text elements, comments, CDATA and foreign content.
 * `$0`, `$1` … are payloads.
 */
const MUTATIONS = [
	'<svg></p><style><a id="</style><img src=1 onerror=$0>">',
	'<svg><p><style><g title="</style><img src=x onerror=$0>">',
	'<math><mtext><table><mglyph><style><img src=x onerror=$0>',
	'<math><mtext><h1><a><h6></a></h6><mglyph><svg><mtext><style><a title="</style><img src onerror=$0>">',
	'<form><math><mtext></form><form><mglyph><style></math><img src onerror=$0>',
	'<noscript><p title="</noscript><img src=x onerror=$0>">',
	'<svg><style><img src=x onerror=$0></style></svg>',
	'<math><style><img src=x onerror=$0></style></math>',
	'<math><annotation-xml encoding="text/html"><style><img src onerror=$0></style></annotation-xml></math>',
	'<svg><foreignObject><img src=x onerror=$0></foreignObject></svg>',
	'<svg><desc><img src=x onerror=$0></desc></svg>',
	'<svg><title><img src=x onerror=$0></title></svg>',
	'<template><img src=x onerror=$0></template><img src=x onerror=$1>',
	'<xmp><img src=x onerror=$0></xmp>',
	'<noembed><img src=x onerror=$0></noembed>',
	'<noframes><img src=x onerror=$0></noframes>',
	'<iframe><img src=x onerror=$0></iframe>',
	'<textarea></textarea><img src=x onerror=$0>',
	'<title><img src=x onerror=$0></title>',
	'<plaintext><img src=x onerror=$0>',
	'<!--><img src=x onerror=$0>-->',
	'<!--!><img src=x onerror=$0>-->',
	'<!-- --!><img src=x onerror=$0> -->',
	'<svg><![CDATA[><img src=x onerror=$0>]]></svg>',
	'<?xml version="1.0"?><img src=x onerror=$0>',
	'<select><template><style><img src=x onerror=$0></style></template></select>',
	'<table><td><svg><foreignObject><img src=x onerror=$0>',
	'<a href="&#x6a;avascript:$0">x</a>',
	'<a href="  javascript:$0">x</a>',
	'<a href="java&#x0A;script:$0">x</a>',
	'<a href="java&#9;script:$0">x</a>',
	'<a href="JaVaScRiPt:$0">x</a>',
	'<a href="javascript&colon;$0">x</a>',
	'<a href="vbscript:msgbox($0)">x</a>',
	'<a href="data:text/html,<script>$0</script>">x</a>',
	'<svg><a xlink:href="javascript:$0"><text x=1 y=10>x</text></a></svg>',
	'<svg><a><animate attributeName=href values="javascript:$0"/><text x=1 y=10>x</text></a></svg>',
	'<svg><a><set attributeName=href to="javascript:$0"/><text x=1 y=10>x</text></a></svg>',
	'<math><maction actiontype=statusline xlink:href="javascript:$0">x</maction></math>',
	'<math href="javascript:$0">x</math>',
	'<form action="javascript:$0"><button>x</button></form>',
	'<form><button formaction="javascript:$0">x</button></form>',
	'<iframe src="javascript:$0"></iframe>',
	'<iframe srcdoc="<img src=x onerror=parent.$0>"></iframe>',
	'<object data="javascript:$0"></object>',
	'<embed src="javascript:$0">',
	'<base href="javascript:$0//">',
	'<meta http-equiv="refresh" content="0;url=javascript:$0">',
	'<script>$0</script>',
	'<script src="data:,$0"></script>',
	'<scr<script>ipt>$0</scr</script>ipt>',
	'<<script>script>$0<</script>/script>',
	'<img src=x onerror=$0//',
	'<img src=`x` onerror=$0>',
	'<img """><script>$0</script>">',
	'<img src="x" alt="``onerror=$0">',
	'<style>@keyframes x{}</style><div style="animation-name:x" onanimationstart=$0></div>',
	'<div style="background:url(javascript:$0)">x</div>',
	'<x onclick=$0 contenteditable>x</x>',
	'<details open ontoggle=$0><summary>x</summary></details>',
	'<input type=image src=x onerror=$0>',
	'<isindex type=image src=1 onerror=$0>',
	'<svg><script>$0</script></svg>',
	'<svg><script href="data:,$0"/></svg>',
	'<svg><use href="data:image/svg+xml,&lt;svg id=x xmlns=%22http://www.w3.org/2000/svg%22&gt;&lt;image href=1 onerror=%22$0%22/&gt;&lt;/svg&gt;#x"/></svg>',
	'<a id=__xss>clobber</a><form name=__xss></form><img name=__xss src=x onerror=$0>',
	'"><img src=x onerror=$0>',
	"'><img src=x onerror=$0>",
	'</textarea><img src=x onerror=$0>',
	'</title><img src=x onerror=$0>',
	'</script><img src=x onerror=$0>',
	'javascript:$0',
	'&lt;img src=x onerror=$0&gt;',
	'&#60;img src=x onerror=$0&#62;',
	'\\u003cimg src=x onerror=$0\\u003e',
	'<img src=x onerror=\u2028$0>',
	'<img\u0000src=x onerror=$0>'
];

/** A `javascript:`-like URL, in many spellings, each calling the canary. */
const SCHEMES: ((payload: string) => string)[] = [
	(p) => `javascript:${p}`,
	(p) => `vbscript:msgbox(${p})`,
	(p) => `data:text/html,<script>${p}</script>`,
	(p) => `data:text/html;base64,{{base64:<script>${p}</script>}}`,
	(p) => `data:image/svg+xml,<svg onload=${p}>`
];
const OBFUSCATIONS: ((url: string) => string)[] = [
	(u) => u,
	(u) => u.replace(/^[a-z]+/, (s) => s.toUpperCase()),
	(u) => u.replace(/^j/, '&#106;').replace(/^v/, '&#118;').replace(/^d/, '&#100;'),
	(u) => u.replace(':', '&#x3A;'),
	(u) => u.replace(':', '&colon;'),
	(u) => u.slice(0, 4) + '&#9;' + u.slice(4),
	(u) => u.slice(0, 4) + '&#10;' + u.slice(4),
	(u) => u.slice(0, 4) + '\\' + u.slice(4),
	(u) => `\u0001${u}`,
	(u) => u.slice(0, 3) + '%09' + u.slice(3)
];
/** Every way Markdown makes a link or picture out of a URL. `$u` is the URL. */
const LINK_FORMS = [
	'[link]($u)',
	'[link](<$u>)',
	'<$u>',
	'[link][ref]\n\n[ref]: $u',
	'[link]\n\n[link]: <$u> "title"',
	'![picture]($u)',
	'[link]($u "title")',
	'[![picture](/favicon.png)]($u)'
];

/** Markdown links × schemes × obfuscations, rotating so every pair of dimensions meets. */
function* markdownLinkVectors(): Generator<[string, Spelling[]]> {
	for (const [f, form] of LINK_FORMS.entries()) {
		for (const [s, scheme] of SCHEMES.entries()) {
			for (let i = 0; i < 3; i++) {
				const obfuscate = OBFUSCATIONS[(f + s * 3 + i * 4) % OBFUSCATIONS.length];
				const spelling = URL_SPELLINGS[(f + s + i) % URL_SPELLINGS.length];
				yield [form.replace('$u', () => obfuscate(scheme('$0'))), [spelling]];
			}
		}
	}
	// Every obfuscation at least once in the plainest form.
	for (const obfuscate of OBFUSCATIONS) yield [`[link](${obfuscate('javascript:$0')})`, [call]];
}

/** Shapes that only Markdown makes: attributes built from link parts, tables, code, fences. */
const MARKDOWN = [
	'[link](https://a.example "title\\" onmouseover=\\"$0")',
	"[link](https://a.example 'title\\' onclick=$0 x=\\'')",
	'[link](https://a.example (title" onclick="$0))',
	'[link](https://a.example/"onmouseover="$0")',
	'![alt" onerror="$0](/x.png)',
	'![picture](/x.png "title\\" onerror=\\"$0")',
	'![picture](x" onerror="$0)',
	'![picture](/\\evil.example/x.png)',
	'![picture](//evil.example/x.png)',
	'![picture](/%5C%5Cevil.example/x.png)',
	'![picture](data:image/svg+xml;base64,{{base64:<svg onload="$0"/>}})',
	'[<img src=x onerror=$0>](https://a.example)',
	'[link](https://a.example)<img src=x onerror=$0>',
	'www.a.example/"onmouseover="$0"',
	'https://a.example/<img src=x onerror=$0>',
	'https://a.example/"><img src=x onerror=$0>',
	'mailto:a@a.example"onclick="$0',
	'<a@a.example"onclick="$0>',
	'| a | b |\n|---|---|\n| <img src=x onerror=$0> | <svg onload=$1> |',
	'| <details open ontoggle=$0> |\n|---|\n| x |',
	'`<img src=x onerror=$0>`',
	'`` <script>$0</script> ``',
	'`unbalanced <img src=x onerror=$0>',
	'``` <img src=x onerror=$0>\ninline code or fence?\n```',
	'```\n<img src=x onerror=$0>\n```',
	'```"><img src=x onerror=$0>\ncode\n```',
	'```html onload=$0\ncode\n```',
	'~~~\n```\n<img src=x onerror=$0>\n~~~\n```',
	'````\n```\n</code></pre><img src=x onerror=$0>\n```\n````',
	'```js\nunclosed fence <img src=x onerror=$0>',
	'    <img src=x onerror=$0>',
	'> <img src=x onerror=$0>\n> > <svg onload=$1>',
	'- <details open ontoggle=$0>\n  - <img src=x onerror=$1>',
	'**<img src=x onerror=$0>**',
	'_<svg onload=$0>_',
	'# <img src=x onerror=$0>',
	'<img src=x\nonerror=$0>',
	'<div>\n\n<img src=x onerror=$0>\n\n</div>',
	'<script>\n$0\n</script>',
	'<!-- <img src=x onerror=$0> -->',
	'<?php $0 ?>',
	'<!DOCTYPE html><img src=x onerror=$0>',
	'<![CDATA[<img src=x onerror=$0>]]>',
	'\\<img src=x onerror=$0>',
	'&lt;script&gt;$0&lt;/script&gt;',
	'<a href="[link](javascript:$0)">x</a>',
	'[link](javascript:$0)[link](javascript:$1)',
	'[link](javascript&#58;$0)',
	'[link](&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A$0)',
	'[link](javascript:window.onerror=$0;throw 1)',
	'[a](javascript:prompt(document.cookie))\n[b](javascript:$0)',
	'```mermaid\ngraph TD\nA["<img src=x onerror=$0>"] --> B\n```',
	'```mermaid\n%%{init: {"securityLevel": "loose"}}%%\ngraph TD\nA --> B\nclick A "javascript:$0"\n```',
	'$<img src=x onerror=$0>$',
	'$$\n\\href{javascript:$0}{x}\n$$',
	'[^1]\n\n[^1]: <img src=x onerror=$0>',
	'Term\n: <img src=x onerror=$0>',
	'<details><summary>x</summary>\n\n<img src=x onerror=$0>\n\n</details>'
];

/**
 * Link targets for rich-text documents (note link marks), set straight into the document so no
 * editor gets to refuse them first.
 */
const HOSTILE_HREFS = [
	'javascript:$0',
	'JAVASCRIPT:$0',
	' javascript:$0',
	'\tjavascript:$0',
	'java\tscript:$0',
	'java\nscript:$0',
	'\u0000javascript:$0',
	'\u0001javascript:$0',
	'javascript\u0000:$0',
	'javascript://%0a$0',
	'javascript:void(0);$0',
	'&#106;avascript:$0',
	'jav&#x09;ascript:$0',
	'vbscript:msgbox($0)',
	'data:text/html,<script>$0</script>',
	'data:text/html;base64,{{base64:<script>parent.$0</script>}}',
	'data:image/svg+xml,<svg onload=$0>',
	'DATA:text/html,<script>$0</script>',
	'x:/"><img src=x onerror=$0>',
	'https://a.example/"><img src=x onerror=$0>',
	'" onmouseover="$0',
	"' onclick='$0",
	'#"><script>$0</script>',
	'/"><svg onload=$0>',
	'\u2028javascript:$0',
	'\u00a0javascript:$0',
	'javascript\u00ad:$0',
	'ja\u200bvascript:$0'
];

/** Languages for code blocks: each tries to leave the fence line, close the fence or the tag. */
const HOSTILE_LANGUAGES = [
	'js\n<img src=x onerror=$0>',
	'js\r\n\n<img src=x onerror=$0>',
	'`<img src=x onerror=$0>',
	'~~~\n<img src=x onerror=$0>',
	'```\n<img src=x onerror=$0>',
	'"><img src=x onerror=$0>',
	'js onclick=$0',
	'</code></pre><img src=x onerror=$0>'
];

let nextId = 1;
function build(family: string, templates: Iterable<string | [string, Spelling[]]>): Vector[] {
	const out: Vector[] = [];
	for (const entry of templates) {
		const [template, spellings] = typeof entry === 'string' ? [entry, [call]] : entry;
		const id = nextId++;
		// `$0`, `$1`: the same vector's id each time, in the spelling its template was paired with.
		const text = template
			.replace(/\$(\d)/g, (_, n: string) => spellings[Number(n) % spellings.length](id))
			.replace(/\{\{base64:(.*?)\}\}/g, (_, inner: string) => btoa(inner));
		out.push({ id, family, text });
	}
	return out;
}

/** HTML, SVG and MathML: generated tag × handler vectors, then mutation shapes. */
export const MARKUP: readonly Vector[] = [
	...build('markup', markupVectors()),
	...build('mutation', MUTATIONS)
];
/** Markdown-specific vectors: links of every kind, then the other shapes. */
export const MARKDOWN_ONLY: readonly Vector[] = [
	...build('markdown-link', markdownLinkVectors()),
	...build('markdown', MARKDOWN)
];
/** Everything a Markdown renderer should survive. */
export const MARKDOWN_CORPUS: readonly Vector[] = [...MARKUP, ...MARKDOWN_ONLY];
/** Hostile `href` values for links inside documents. */
export const HREFS: readonly Vector[] = build('href', HOSTILE_HREFS);

/** Code block languages that try to break out of their fence or attribute. */
export const LANGUAGES: readonly Vector[] = build('language', HOSTILE_LANGUAGES);

/** Single-line vectors of at most `max` characters, for names and titles. */
export function shortVectors(max: number, corpus: readonly Vector[] = MARKDOWN_CORPUS): Vector[] {
	const oneLine = (text: string) => [...text].every((c) => c.charCodeAt(0) >= 0x20);
	return corpus.filter((v) => v.text.length <= max && oneLine(v.text));
}

/**
 * Packs vectors into as few strings of at most `max` characters as it can (joined by spaces), in
 * order, for fields that hold one short text each (display names, channel names…).
 */
export function pack(vectors: readonly Vector[], max: number): string[] {
	const out: string[] = [];
	let current = '';
	for (const { text } of vectors) {
		if (text.length > max) continue;
		const joined = current ? `${current} ${text}` : text;
		if (joined.length <= max) current = joined;
		else {
			out.push(current);
			current = text;
		}
	}
	if (current) out.push(current);
	return out;
}
