import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import markdown from 'highlight.js/lib/languages/markdown';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { createLowlight } from 'lowlight';

/**
 * Syntax highlighting for code blocks in notes: the languages people paste most, not all of
 * highlight.js's "common" set, which would double the editor's download. A block in another
 * language shows as plain code; its language tag is kept.
 */
export function noteLowlight() {
	return createLowlight({
		bash,
		c,
		cpp,
		css,
		diff,
		go,
		java,
		javascript,
		json,
		markdown,
		python,
		rust,
		sql,
		typescript,
		xml,
		yaml
	});
}
