import {
	MarkdownSerializerState,
	type MarkdownSerializer,
	type MarkdownSerializerState as State
} from 'prosemirror-markdown';

/** Output longer than this, ending a line, is set aside as a finished piece. */
const PIECE_CHARS = 4096;

// The state's constructor is internal in prosemirror-markdown's typings; this is its signature.
const BaseState = MarkdownSerializerState as unknown as new (
	nodes: MarkdownSerializer['nodes'],
	marks: MarkdownSerializer['marks'],
	options: State['options']
) => State;

/**
 * prosemirror-markdown's serializer state, with its output kept in pieces. Inside a quote or a
 * list the serializer reads the output's last character before every line it writes, and V8
 * flattens a string built with `+=` to read one character: export was quadratic (a 20,000-line
 * code block in a quote took seconds on the event loop). The serializer only ever reads the end of
 * `out`, so `out` here is just the text since the last finished line, and earlier text waits in
 * `pieces`; `markdown()` joins them once.
 */
export class PiecewiseState extends BaseState {
	// Declared, not initialised: the base constructor assigns `out` before fields would exist.
	declare private pieces: string[] | undefined;
	declare private recent: string | undefined;

	get out(): string {
		return this.recent ?? '';
	}

	set out(value: string) {
		if (value.length > PIECE_CHARS && value.endsWith('\n')) {
			(this.pieces ??= []).push(value);
			this.recent = '';
		} else {
			this.recent = value;
		}
	}

	markdown(): string {
		return (this.pieces ?? []).join('') + this.out;
	}
}
