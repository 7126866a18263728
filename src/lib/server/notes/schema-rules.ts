/**
 * What a note's Yjs document may contain, derived once from the shared editor schema: the element
 * and mark names, each one's attributes, and the type of value each attribute holds. The update
 * checks refuse anything else; the renderer and the load repair coerce what older notes hold.
 */
import { noteSchema } from '#lib/shared/editor-schema.ts';

/**
 * How deeply elements may nest (a paragraph in a quote in a list item is 3). Real notes stay far
 * below; ProseMirror, the Markdown serializer and the browser's editor all recurse per level, and
 * around 1,000 levels they run out of stack.
 */
export const MAX_NESTING = 100;

/** The value type an attribute holds; `null` is allowed for every one (attribute unset). */
export type AttrKind = 'string' | 'number' | 'boolean';

export interface NoteRules {
	/** Element name → its attributes and their kinds. */
	nodes: ReadonlyMap<string, ReadonlyMap<string, AttrKind>>;
	/** Mark name → its attributes and their kinds. */
	marks: ReadonlyMap<string, ReadonlyMap<string, AttrKind>>;
	/** Elements whose children are text and inline elements (paragraph, heading, code block). */
	textblocks: ReadonlySet<string>;
}

let rules: NoteRules | undefined;

/**
 * The schema's attributes carry no types, only defaults; the kind is the default's type, and a
 * `null` default means a string (link `href`, code block `language`, list `type`).
 */
function kindOf(fallback: unknown): AttrKind {
	if (typeof fallback === 'number') return 'number';
	if (typeof fallback === 'boolean') return 'boolean';
	return 'string';
}

function attrKinds(attrs: Record<string, { default?: unknown }>): Map<string, AttrKind> {
	return new Map(Object.entries(attrs).map(([name, attr]) => [name, kindOf(attr.default)]));
}

export function noteRules(): NoteRules {
	if (!rules) {
		const schema = noteSchema();
		const nodes = Object.values(schema.nodes).filter((n) => n.name !== 'doc' && n.name !== 'text');
		rules = {
			nodes: new Map(nodes.map((n) => [n.name, attrKinds(n.spec.attrs ?? {})])),
			marks: new Map(
				Object.values(schema.marks).map((m) => [m.name, attrKinds(m.spec.attrs ?? {})])
			),
			textblocks: new Set(nodes.filter((n) => n.isTextblock).map((n) => n.name))
		};
	}
	return rules;
}

/** y-prosemirror stores a mark that may overlap itself as `name--<8-character hash>`. */
export function markName(key: string): string {
	return /^(.*)--[a-zA-Z0-9+/=]{8}$/.exec(key)?.[1] ?? key;
}

export function attrFits(kind: AttrKind, value: unknown): boolean {
	return value === null || typeof value === kind;
}

/**
 * A value of the wrong type made to fit, for notes stored before types were checked: numbers and
 * booleans become strings and numeric strings numbers; anything else is dropped (`undefined`).
 */
export function coerceAttr(kind: AttrKind, value: unknown): unknown {
	if (attrFits(kind, value)) return value;
	if (kind === 'string') {
		return typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
	}
	if (kind === 'number') {
		return typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))
			? Number(value)
			: undefined;
	}
	return value === 'true' ? true : value === 'false' ? false : undefined;
}

/** Why a mark's value (its attributes, or null to remove it) does not fit, or null when it does. */
export function markProblem(key: string, value: unknown): string | null {
	const name = markName(key);
	const attrs = noteRules().marks.get(name);
	if (!attrs) return `Unknown mark "${name}".`;
	if (value === null) return null;
	if (typeof value !== 'object' || Array.isArray(value)) {
		return `The "${name}" mark must hold its attributes.`;
	}
	for (const [attr, v] of Object.entries(value)) {
		const kind = attrs.get(attr);
		if (!kind) return `The "${name}" mark has no attribute "${attr}".`;
		if (!attrFits(kind, v)) return `The "${name}" mark's "${attr}" must be a ${kind}.`;
	}
	return null;
}

/** Why an element attribute does not fit, or null when it does. */
export function attributeProblem(element: string, attr: string, value: unknown): string | null {
	const kind = noteRules().nodes.get(element)?.get(attr);
	if (!kind) return `The "${element}" element has no attribute "${attr}".`;
	return attrFits(kind, value) ? null : `The "${element}" element's "${attr}" must be a ${kind}.`;
}
