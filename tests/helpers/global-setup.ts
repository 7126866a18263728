import { existsSync } from 'node:fs';
import path from 'node:path';

/** The integration tests run the production build; fail early with a hint when it is missing. */
export default function setup(): void {
	const handler = path.resolve(import.meta.dirname, '../../build/handler.js');
	if (!existsSync(handler)) {
		throw new Error(
			'No production build: run `npm run build` (scripts/test.sh does) before the tests.'
		);
	}
}
