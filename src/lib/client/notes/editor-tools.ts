import type { Editor } from '@tiptap/core';

/** A toolbar button: a toggle (with aria-pressed) or a one-off action. */
export interface EditorTool {
	id: string;
	label: string;
	/** What the button shows (a glyph or short text). */
	icon: string;
	/** Keyboard shortcut, for the tooltip. */
	keys?: string;
	/** Whether the format is on at the selection; absent for actions. */
	active?: (editor: Editor) => boolean;
	run: (editor: Editor) => void;
	/** Starts a new group (a separator before it). */
	group?: boolean;
}

const chain = (editor: Editor) => editor.chain().focus();

/** The compact toolbar, in order. Links are handled apart (they need a URL). */
export const editorTools: EditorTool[] = [
	{
		id: 'bold',
		label: 'Bold',
		icon: 'B',
		keys: 'Ctrl+B',
		active: (e) => e.isActive('bold'),
		run: (e) => chain(e).toggleBold().run()
	},
	{
		id: 'italic',
		label: 'Italic',
		icon: 'I',
		keys: 'Ctrl+I',
		active: (e) => e.isActive('italic'),
		run: (e) => chain(e).toggleItalic().run()
	},
	{
		id: 'strike',
		label: 'Strikethrough',
		icon: 'S',
		keys: 'Ctrl+Shift+S',
		active: (e) => e.isActive('strike'),
		run: (e) => chain(e).toggleStrike().run()
	},
	{
		id: 'code',
		label: 'Inline code',
		icon: '</>',
		keys: 'Ctrl+E',
		active: (e) => e.isActive('code'),
		run: (e) => chain(e).toggleCode().run()
	},
	{
		id: 'h1',
		label: 'Heading 1',
		icon: 'H1',
		keys: 'Ctrl+Alt+1',
		group: true,
		active: (e) => e.isActive('heading', { level: 1 }),
		run: (e) => chain(e).toggleHeading({ level: 1 }).run()
	},
	{
		id: 'h2',
		label: 'Heading 2',
		icon: 'H2',
		keys: 'Ctrl+Alt+2',
		active: (e) => e.isActive('heading', { level: 2 }),
		run: (e) => chain(e).toggleHeading({ level: 2 }).run()
	},
	{
		id: 'h3',
		label: 'Heading 3',
		icon: 'H3',
		keys: 'Ctrl+Alt+3',
		active: (e) => e.isActive('heading', { level: 3 }),
		run: (e) => chain(e).toggleHeading({ level: 3 }).run()
	},
	{
		id: 'bullets',
		label: 'Bulleted list',
		icon: '•',
		keys: 'Ctrl+Shift+8',
		group: true,
		active: (e) => e.isActive('bulletList'),
		run: (e) => chain(e).toggleBulletList().run()
	},
	{
		id: 'numbers',
		label: 'Numbered list',
		icon: '1.',
		keys: 'Ctrl+Shift+7',
		active: (e) => e.isActive('orderedList'),
		run: (e) => chain(e).toggleOrderedList().run()
	},
	{
		id: 'tasks',
		label: 'Task list',
		icon: '☑',
		keys: 'Ctrl+Shift+9',
		active: (e) => e.isActive('taskList'),
		run: (e) => chain(e).toggleTaskList().run()
	},
	{
		id: 'quote',
		label: 'Quote',
		icon: '❝',
		keys: 'Ctrl+Shift+B',
		group: true,
		active: (e) => e.isActive('blockquote'),
		run: (e) => chain(e).toggleBlockquote().run()
	},
	{
		id: 'codeBlock',
		label: 'Code block',
		icon: '{ }',
		keys: 'Ctrl+Alt+C',
		active: (e) => e.isActive('codeBlock'),
		run: (e) => chain(e).toggleCodeBlock().run()
	},
	{
		id: 'rule',
		label: 'Horizontal rule',
		icon: '―',
		run: (e) => chain(e).setHorizontalRule().run()
	},
	{
		id: 'undo',
		label: 'Undo',
		icon: '↶',
		keys: 'Ctrl+Z',
		group: true,
		run: (e) => chain(e).undo().run()
	},
	{ id: 'redo', label: 'Redo', icon: '↷', keys: 'Ctrl+Shift+Z', run: (e) => chain(e).redo().run() }
];
