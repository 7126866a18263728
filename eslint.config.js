import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';

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
	{
		// Transports (routes, hooks, the socket layer) call services; only services hold the client.
		files: ['src/routes/**', 'src/hooks.server.ts', 'src/lib/server/realtime/**'],
		rules: {
			'no-restricted-syntax': [
				'error',
				{
					selector: "MemberExpression[property.name='db'][object.property.name='app']",
					message: 'Transports call services, not the database client (app.db).'
				},
				{
					selector: "MemberExpression[property.name='db'][object.name='app']",
					message: 'Transports call services, not the database client (app.db).'
				}
			]
		}
	},
	{
		files: ['**/*.js'],
		...ts.configs.disableTypeChecked
	}
);
