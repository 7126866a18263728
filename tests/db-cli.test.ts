/**
 * `parley db status` and `parley db migrate` on both databases, and what `parley db` refuses.
 * Needs both databases whatever PARLEY_TEST_DB says (POSTGRES_URL, from scripts/test.sh).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { createPostgresDatabase, openTestDb } from './helpers/database.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
/** Each test starts several CLI processes (a couple of seconds each on a busy machine). */
const SLOW = 90_000;

function committed(kind: 'sqlite' | 'postgresql'): string[] {
	return readdirSync(path.join(ROOT, 'prisma', kind, 'migrations'), { withFileTypes: true })
		.filter((e) => e.isDirectory())
		.map((e) => e.name)
		.sort();
}

const list = (title: string, names: string[]) =>
	[`${title} (${names.length}):`, ...names.map((n) => `  ${n}`)].join('\n');

let dir: string;
beforeAll(() => {
	dir = mkdtempSync(path.join(tmpdir(), 'parley-db-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each([
	{ kind: 'SQLite', folder: 'sqlite' as const },
	{ kind: 'PostgreSQL', folder: 'postgresql' as const }
])('on $kind', ({ folder }) => {
	let url: string;
	let shown: RegExp;
	const migrations = committed(folder);

	beforeAll(async () => {
		if (folder === 'sqlite') {
			const file = path.join(dir, `${Math.random().toString(36).slice(2)}`, 'parley.db');
			url = `file:${file}`;
			shown = new RegExp(`^Database: ${file.replaceAll('.', '\\.')}$`, 'm');
		} else {
			url = await createPostgresDatabase('cli');
			shown = /^Database: postgresql:\/\/127\.0\.0\.1:\d+\/cli_\w+$/m;
		}
	});

	it(
		'status lists every migration as pending on a new database, and changes nothing',
		async () => {
			const { code, stdout } = await runCli(['db', 'status'], { DATABASE_URL: url });
			expect(code).toBe(0);
			expect(stdout).toMatch(shown);
			expect(stdout).toContain(list('Pending', migrations));
			if (folder === 'sqlite') expect(existsSync(url.slice('file:'.length))).toBe(false);
			else {
				const db = await openTestDb(url);
				const tables = await db.all<{ name: string }>(
					`SELECT "table_name" AS "name" FROM "information_schema"."tables" WHERE "table_schema" = current_schema()`
				);
				await db.close();
				expect(tables).toEqual([]);
			}
		},
		SLOW
	);

	it(
		'migrate applies them all, then finds nothing to do',
		async () => {
			const first = await runCli(['db', 'migrate'], { DATABASE_URL: url });
			expect(first.code, first.stderr).toBe(0);
			expect(first.stdout).toMatch(/^Applied to .+ \(\d+\):$/m);
			expect(first.stdout).toContain(migrations.map((m) => `  ${m}`).join('\n'));
			const again = await runCli(['db', 'migrate'], { DATABASE_URL: url });
			expect(again.code).toBe(0);
			expect(again.stdout).toMatch(/ is up to date: no pending migrations\.\n$/);
			const { code, stdout } = await runCli(['db', 'status'], { DATABASE_URL: url });
			expect(code).toBe(0);
			expect(stdout).toContain(`${list('Applied', migrations)}\n${list('Pending', [])}\n`);
		},
		SLOW
	);

	it(
		'status reports a database newer than this Parley and exits 1; migrate refuses it',
		async () => {
			const db = await openTestDb(url);
			try {
				await db.run(
					`INSERT INTO "_prisma_migrations" ("id", "checksum", "finished_at", "migration_name", "started_at", "applied_steps_count")
				 VALUES ('future', 'x', ?, '29990101000000_from_the_future', ?, 1)`,
					...(db.dialect === 'sqlite' ? [Date.now(), Date.now()] : [new Date(), new Date()])
				);
				const status = await runCli(['db', 'status'], { DATABASE_URL: url });
				expect(status.code).toBe(1);
				expect(status.stdout).toContain(
					`${list('Unknown to this version of Parley', ['29990101000000_from_the_future'])}\nThe database was upgraded by a newer Parley`
				);
				const migrate = await runCli(['db', 'migrate'], { DATABASE_URL: url });
				expect(migrate.code).toBe(1);
				expect(migrate.stderr).toMatch(
					/^The database has migrations this version of Parley does not know \(29990101000000_from_the_future\)/
				);
			} finally {
				await db.run(`DELETE FROM "_prisma_migrations" WHERE "id" = 'future'`);
				await db.close();
			}
		},
		SLOW
	);

	it(
		'copy refuses a source with pending migrations, and copying a database onto itself',
		async () => {
			const target = `file:${path.join(dir, 'never', 'parley.db')}`;
			const db = await openTestDb(url);
			const [last] = migrations.slice(-1);
			try {
				const [row] = await db.all<Record<string, unknown>>(
					'SELECT * FROM "_prisma_migrations" WHERE "migration_name" = ?',
					last
				);
				await db.run('DELETE FROM "_prisma_migrations" WHERE "migration_name" = ?', last);
				try {
					const { code, stderr } = await runCli(['db', 'copy', '--to', target], {
						DATABASE_URL: url
					});
					expect(code).toBe(1);
					expect(stderr).toMatch(
						/ has pending migrations: run `parley db migrate` on it \(or start Parley on it once\), then copy\.\n$/
					);
					expect(existsSync(target.slice('file:'.length))).toBe(false);
				} finally {
					const columns = Object.keys(row);
					await db.run(
						`INSERT INTO "_prisma_migrations" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
						...columns.map((c) => row[c])
					);
				}
			} finally {
				await db.close();
			}
			const self = await runCli(['db', 'copy', '--to', url], { DATABASE_URL: url });
			expect(self.code).toBe(1);
			expect(self.stderr).toMatch(/The source and the target are the same database\.\n$/);
		},
		SLOW
	);
});

describe('bad usage', () => {
	it(
		'exits 2 with the help',
		async () => {
			const env = { DATA_DIR: dir };
			const wrong = [
				['db'],
				['db', 'upgrade'],
				['db', 'copy'],
				['db', 'status', '--to', 'file:x.db'],
				['db', 'copy', '--to', 'file:x.db', '--batch-size', '0']
			];
			const runs = await Promise.all(wrong.map((args) => runCli(args, env)));
			runs.forEach(({ code, stderr }, i) => {
				expect(code, wrong[i].join(' ')).toBe(2);
				expect(stderr).toContain('parley db copy --to URL');
			});
			const help = await runCli(['db', '--help'], env);
			expect(help.code).toBe(0);
			expect(help.stdout).toContain('parley db status');
			const top = await runCli(['help'], env);
			expect(top.stdout).toMatch(/^ {2}db {7}migrate the database/m);
		},
		SLOW
	);

	it(
		'names the option whose URL is wrong',
		async () => {
			const { code, stderr } = await runCli(['db', 'copy', '--to', 'mysql://x/y'], {
				DATA_DIR: dir
			});
			expect(code).toBe(1);
			expect(stderr).toBe('--to must start with file: (SQLite) or postgresql:// (PostgreSQL)\n');
		},
		SLOW
	);
});
