/**
 * Summarises a V8 .cpuprofile (as written by bench/lib/probe.ts): busy time by package or
 * app folder (self time), the hottest functions (self time), and the app's own functions by
 * inclusive time (themselves plus everything they call synchronously).
 *
 * Also runnable alone: node bench/lib/profile-summary.ts <file.cpuprofile>
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, table } from './harness.ts';

interface ProfileNode {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number };
	children?: number[];
}
interface Profile {
	nodes: ProfileNode[];
	samples: number[];
	timeDeltas: number[];
}

/** Where a frame's code lives: a package, a folder of the app, Node itself or V8. */
function category({ functionName, url }: ProfileNode['callFrame']): string {
	if (!url) {
		if (functionName.startsWith('(')) return functionName;
		return 'V8 builtins and native';
	}
	const modules = url.lastIndexOf('/node_modules/');
	if (modules >= 0) {
		const [first, second] = url.slice(modules + 14).split('/');
		return first.startsWith('@') ? `${first}/${second}` : first;
	}
	// The inspector session that records this profile: overhead of profiling, not of the app.
	if (url === 'node:inspector' || url === 'node:inspector/promises') return '(profiler)';
	if (url.startsWith('node:')) return 'node (internal)';
	const file = url.startsWith('file://') ? new URL(url).pathname : url;
	const relative = path.relative(ROOT, file);
	if (relative.startsWith('src/lib/server/generated')) return 'prisma (generated client)';
	if (relative.startsWith('src/lib/')) return `app ${path.dirname(relative).slice(4)}`;
	if (relative.startsWith('build/')) return 'app build/ (SvelteKit server bundle)';
	return relative.startsWith('..') ? file : relative;
}

function frameName({ functionName, url, lineNumber }: ProfileNode['callFrame']): string {
	const where = url ? `${path.basename(url.replace(/^file:\/\//, ''))}:${lineNumber + 1}` : '';
	return `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
}

export function summarizeProfile(file: string, top = 12): string {
	const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
	const byId = new Map(profile.nodes.map((node) => [node.id, node]));
	const parent = new Map<number, number>();
	for (const node of profile.nodes) {
		for (const child of node.children ?? []) parent.set(child, node.id);
	}

	const self = new Map<number, number>();
	profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + profile.timeDeltas[i]));
	let total = 0;
	let idle = 0;
	const categories = new Map<string, number>();
	const functions = new Map<string, number>();
	const inclusive = new Map<string, number>();
	for (const [id, us] of self) {
		const node = byId.get(id);
		if (!node) continue;
		total += us;
		if (node.callFrame.functionName === '(idle)') {
			idle += us;
			continue;
		}
		const cat = category(node.callFrame);
		categories.set(cat, (categories.get(cat) ?? 0) + us);
		const name = `${frameName(node.callFrame)} [${cat}]`;
		functions.set(name, (functions.get(name) ?? 0) + us);
		// Inclusive time of app functions: count each distinct app frame on this stack once.
		const seen = new Set<string>();
		for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
			const frame = byId.get(at)?.callFrame;
			if (!frame || !category(frame).startsWith('app ')) continue;
			const key = frameName(frame);
			if (!seen.has(key)) inclusive.set(key, (inclusive.get(key) ?? 0) + us);
			seen.add(key);
		}
	}
	const busy = total - idle;
	const ms = (us: number) => (us / 1000).toFixed(0);
	const pct = (us: number) => `${((100 * us) / busy).toFixed(1)}%`;
	const rows = (map: Map<string, number>, label: string) =>
		table(
			[
				[label, 'ms', 'of busy'],
				...[...map]
					.sort((a, b) => b[1] - a[1])
					.slice(0, top)
					.map(([name, us]) => [name, ms(us), pct(us)])
			],
			1
		);
	return [
		`profile ${path.basename(file)}: ${ms(total)} ms sampled, ${ms(busy)} ms busy (main thread)`,
		rows(categories, 'self time by package / folder'),
		rows(functions, 'hottest functions (self time)'),
		rows(inclusive, 'app functions (inclusive time)')
	].join('\n\n');
}

if (import.meta.filename === process.argv[1]) {
	const file = process.argv[2];
	if (!file) throw new Error('usage: node bench/lib/profile-summary.ts <file.cpuprofile>');
	console.log(summarizeProfile(file));
}
