/// <reference types="vitest/config" />
import adapter from '@sveltejs/adapter-node';
import { sveltekit } from '@sveltejs/kit/vite';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig, type Plugin } from 'vite';

/** In development, attaches Parley's realtime server (Socket.IO) to Vite's own HTTP server. */
function parleyRealtime(): Plugin {
	return {
		name: 'parley-realtime',
		apply: 'serve',
		async configureServer(server) {
			if (!server.httpServer) return;
			const { bootParley } = (await server.ssrLoadModule(
				'/src/lib/server/boot.ts'
			)) as typeof import('./src/lib/server/boot.ts');
			await bootParley(server.httpServer as import('node:http').Server);
		}
	};
}

export default defineConfig({
	plugins: [
		tailwindcss(),
		sveltekit({
			adapter: adapter({ out: 'build' }),
			compilerOptions: { runes: true },
			// Cross-site requests are checked in the hooks instead (http/guards.ts), for every body
			// type and in the API's error format.
			csrf: { trustedOrigins: ['*'] },
			// Scripts run only from this origin or with the page's nonce: an injected <script> or
			// event handler never runs. Styles may be inline (Svelte and Chart.js set style
			// attributes). Images from other sites are refused, so a message cannot beacon out.
			csp: {
				mode: 'nonce',
				directives: {
					'default-src': ['self'],
					'script-src': ['self'],
					'style-src': ['self', 'unsafe-inline'],
					'img-src': ['self', 'data:', 'blob:'],
					'font-src': ['self', 'data:'],
					'connect-src': ['self'],
					'worker-src': ['self', 'blob:'],
					'object-src': ['none'],
					'base-uri': ['none'],
					'form-action': ['self'],
					'frame-ancestors': ['none']
				}
			}
		}),
		parleyRealtime()
	],
	build: {
		// A note's page carries the whole editor (TipTap, ProseMirror, Yjs): about 600 kB, 190 kB
		// gzipped, loaded only when a note opens.
		chunkSizeWarningLimit: 700
	},
	test: {
		include: ['src/**/*.spec.ts', 'tests/**/*.test.ts'],
		testTimeout: 30_000,
		hookTimeout: 60_000,
		globalSetup: ['tests/helpers/global-setup.ts']
	}
});
