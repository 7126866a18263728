/** Walks a chat's message tree. Rows need only `id`, `parentId` and `createdAt`. */
export interface TreeNode {
	id: string;
	parentId: string | null;
	createdAt: Date;
}

/** The messages from the root down to `leafId`, in order. */
export function pathTo<T extends TreeNode>(nodes: T[], leafId: string): T[] {
	const byId = new Map(nodes.map((n) => [n.id, n]));
	const path: T[] = [];
	for (
		let node = byId.get(leafId);
		node;
		node = node.parentId ? byId.get(node.parentId) : undefined
	) {
		path.unshift(node);
		if (path.length > nodes.length) break; // a cycle would be a bug; never loop forever
	}
	return path;
}

/** Follows the newest child from `id` down to a leaf: where switching to a branch lands. */
export function newestLeafUnder<T extends TreeNode>(nodes: T[], id: string): string {
	let current = id;
	for (let depth = 0; depth <= nodes.length; depth++) {
		const children = nodes.filter((n) => n.parentId === current);
		if (children.length === 0) return current;
		current = children.reduce((a, b) => (b.createdAt > a.createdAt ? b : a)).id;
	}
	return current;
}
