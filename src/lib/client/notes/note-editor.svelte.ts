import { Editor } from '@tiptap/core';
import { Collaboration } from '@tiptap/extension-collaboration';
import { CollaborationCaret } from '@tiptap/extension-collaboration-caret';
import { NOTE_FIELD, noteExtensions } from '#lib/shared/editor-schema.ts';
import type { NoteCloseReason, NoteRole, NoteSummary } from '#lib/shared/notes.ts';
import type { ErrorBody } from '#lib/shared/errors.ts';
import { noteLowlight } from './code-languages.ts';
import { NoteProvider, type NoteSyncStatus, type NoteTransport } from './note-provider.ts';

/** Someone else in the note, from their awareness state (names and colours come from the server). */
export interface Peer {
	id: string;
	name: string;
	color: string;
}

export interface Me {
	id: string;
	name: string;
	color: string;
}

/**
 * One open note for the UI: the TipTap editor bound to the note's Yjs document through a
 * NoteProvider, and runes for everything the page shows. The editor is created only once the
 * server's content has arrived (a client never seeds a note) and becomes read-only for viewers.
 * `destroy()` tears down the editor, the provider, its listeners and your awareness state.
 */
export class NoteEditorController {
	readonly provider: NoteProvider;
	readonly #me: Me;
	#editor = $state.raw<Editor | null>(null);
	#tick = $state(0);
	#notice = $state<string | null>(null);
	#element: HTMLElement | null = null;
	readonly #unsubscribe: () => void;

	constructor(noteId: string, transport: NoteTransport, me: Me) {
		this.#me = me;
		this.provider = new NoteProvider(noteId, transport);
		this.#unsubscribe = this.provider.subscribe(() => this.#onProviderChange());
		this.provider.start();
	}

	get editor(): Editor | null {
		return this.#editor;
	}
	get status(): NoteSyncStatus {
		void this.#tick;
		return this.provider.status;
	}
	get role(): NoteRole | null {
		void this.#tick;
		return this.provider.role;
	}
	get canEdit(): boolean {
		void this.#tick;
		return this.provider.canEdit;
	}
	get note(): NoteSummary | null {
		void this.#tick;
		return this.provider.note;
	}
	get closed(): NoteCloseReason | 'not_found' | null {
		void this.#tick;
		return this.provider.closed;
	}
	get error(): ErrorBody | null {
		void this.#tick;
		return this.provider.error;
	}
	/** A passing message for the user (e.g. a refused paste). */
	get notice(): string | null {
		return this.#notice;
	}
	set notice(value: string | null) {
		this.#notice = value;
	}
	/** Everyone else in the note, once each (your own other tabs are not listed). */
	get peers(): Peer[] {
		void this.#tick;
		const peers: Peer[] = [];
		for (const [clientId, state] of this.provider.awareness.getStates()) {
			const user = (state as { user?: Partial<Peer> }).user;
			const mine = clientId === this.provider.awareness.clientID || user?.id === this.#me.id;
			if (!user?.id || mine || peers.some((p) => p.id === user.id)) continue;
			peers.push({ id: user.id, name: user.name ?? 'Someone', color: user.color ?? '#71717a' });
		}
		return peers;
	}

	/** Whether a toolbar format is on at the selection (reactive). */
	isActive(check: (editor: Editor) => boolean): boolean {
		void this.#tick;
		return this.#editor ? check(this.#editor) : false;
	}

	/** The editor goes into `element` as soon as the note's content is there. */
	mount(element: HTMLElement): void {
		this.#element = element;
		this.#create();
	}

	/** Sets or removes the link at the selection; false when the link refuses the address. */
	setLink(href: string | null): boolean {
		const chain = this.#editor?.chain().focus().extendMarkRange('link');
		if (!chain) return false;
		return href ? chain.setLink({ href }).run() : chain.unsetLink().run();
	}

	destroy(): void {
		this.#unsubscribe();
		this.#editor?.destroy();
		this.#editor = null;
		this.provider.destroy();
		this.#element = null;
	}

	#onProviderChange(): void {
		this.#tick++;
		this.#create();
		if (this.#editor && this.#editor.isEditable !== this.provider.canEdit) {
			this.#editor.setEditable(this.provider.canEdit);
		}
	}

	#create(): void {
		if (this.#editor || !this.#element || !this.provider.synced) return;
		const provider = this.provider;
		this.#editor = new Editor({
			element: this.#element,
			editable: provider.canEdit,
			extensions: [
				...noteExtensions(noteLowlight()),
				Collaboration.configure({ document: provider.doc, field: NOTE_FIELD }),
				CollaborationCaret.configure({
					provider,
					user: { id: this.#me.id, name: this.#me.name, color: this.#me.color }
				})
			],
			editorProps: {
				attributes: {
					class: 'note-content',
					'aria-label': 'Note content',
					'aria-multiline': 'true',
					role: 'textbox'
				},
				handlePaste: (_view, event) => this.#refuseHugePaste(event)
			},
			onTransaction: () => this.#tick++
		});
	}

	/** Refuses a paste that would make a change bigger than the server accepts, with a reason. */
	#refuseHugePaste(event: ClipboardEvent): boolean {
		const data = event.clipboardData;
		const limit = this.provider.maxUpdateBytes;
		if (!data || !Number.isFinite(limit)) return false;
		const size = new Blob([data.getData('text/html') || data.getData('text/plain')]).size;
		if (size <= limit * 0.9) return false;
		const mb = (n: number) => (n / 1_048_576).toFixed(1);
		this.#notice = `That paste is ${mb(size)} MB; a note takes at most ${mb(limit * 0.9)} MB at once.`;
		return true;
	}
}
