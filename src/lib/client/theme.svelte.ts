export type Theme = 'light' | 'dark' | 'system';

const STORAGE_KEY = 'parley-theme';

/**
 * Light, dark or follow the system. Persisted in localStorage; app.html applies it before the
 * first paint so a reload never flashes the wrong theme.
 */
export class ThemeState {
	#theme = $state<Theme>('system');
	#media: MediaQueryList | undefined;

	constructor() {
		if (typeof window === 'undefined') return;
		const saved = localStorage.getItem(STORAGE_KEY);
		if (saved === 'light' || saved === 'dark' || saved === 'system') this.#theme = saved;
		this.#media = matchMedia('(prefers-color-scheme: dark)');
		this.#media.addEventListener('change', this.#apply);
	}

	get theme(): Theme {
		return this.#theme;
	}

	set theme(value: Theme) {
		this.#theme = value;
		localStorage.setItem(STORAGE_KEY, value);
		this.#apply();
	}

	destroy(): void {
		this.#media?.removeEventListener('change', this.#apply);
	}

	#apply = () => {
		const dark = this.#theme === 'dark' || (this.#theme === 'system' && !!this.#media?.matches);
		document.documentElement.classList.toggle('dark', dark);
		document.documentElement.dataset.theme = this.#theme;
	};
}
