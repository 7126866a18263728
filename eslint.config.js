import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';

const DATABASE_ONLY_IN_DB = ['better-sqlite3', 'pg', '@prisma/client'].map((name) => ({
	name,
	message: 'Reach the database through src/lib/server/db (Db and Prisma from db/client.ts).'
}));
const GENERATED = {
	group: ['**/generated/*'],
	message: 'Import Db and Prisma from src/lib/server/db/client.ts.'
};
const SERVER_CODE = {
	group: ['#lib/server/*', '$lib/server/*', '**/lib/server/**', '**/server/**'],
	message: 'Client code must not import server code (shared types go in #lib/shared).'
};

export default ts.config(
	{
		ignores: [
			'build/',
			'.svelte-kit/',
			'.tools/',
			'data/',
			'src/lib/server/generated/',
			'test-results/',
			'playwright-report/'
		]
	},
	js.configs.recommended,
	...ts.configs.strict,
	...svelte.configs.recommended,
	prettier,
	...svelte.configs.prettier,
	{
		languageOptions: {
			globals: { ...globals.browser, ...globals.node },
			parserOptions: {
				projectService: true,
				tsconfigRootDir: import.meta.dirname,
				extraFileExtensions: ['.svelte']
			}
		},
		rules: {
			'@typescript-eslint/no-floating-promises': 'error',
			'@typescript-eslint/no-misused-promises': 'error',
			curly: ['error', 'multi-line'],
			'svelte/button-has-type': 'error',
			'max-lines': ['warn', { max: 600, skipBlankLines: true, skipComments: true }],
			'no-undef': 'off'
		}
	},
	{
		files: ['**/*.svelte', '**/*.svelte.ts'],
		languageOptions: { parserOptions: { parser: ts.parser } }
	},
	// Layering (docs/architecture.md): the database is reached through src/lib/server/db only, and
	// the browser never imports server code, not even types. (The client block comes last: for a
	// file both match, flat config keeps the last rule, so it repeats the database restrictions.)
	{
		files: ['src/**/*.ts', 'src/**/*.svelte'],
		ignores: ['src/lib/server/db/**'],
		rules: {
			'no-restricted-imports': ['error', { paths: DATABASE_ONLY_IN_DB, patterns: [GENERATED] }]
		}
	},
	{
		files: [
			'src/lib/client/**',
			'src/lib/components/**',
			'src/lib/shared/**',
			'src/routes/**/*.svelte',
			'src/routes/**/+page.ts',
			'src/routes/**/+layout.ts',
			'src/hooks.client.ts'
		],
		rules: {
			'no-restricted-imports': [
				'error',
				{ paths: DATABASE_ONLY_IN_DB, patterns: [GENERATED, SERVER_CODE] }
			]
		}
	},
	{
		// Transports (routes, hooks, the socket layer) call services; only services hold the client and
		// the seam.
		files: ['src/routes/**', 'src/hooks.server.ts', 'src/lib/server/realtime/**'],
		rules: {
			'no-restricted-syntax': [
				'error',
				{
					selector: "MemberExpression[property.name=/^(db|sql)$/][object.property.name='app']",
					message: 'Transports call services, not the database (app.db, app.sql).'
				},
				{
					selector: "MemberExpression[property.name=/^(db|sql)$/][object.name='app']",
					message: 'Transports call services, not the database (app.db, app.sql).'
				}
			]
		}
	},
	{
		files: ['**/*.js'],
		...ts.configs.disableTypeChecked
	}
);
