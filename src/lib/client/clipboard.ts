/**
 * Copies text to the clipboard. Uses the async Clipboard API where allowed (secure contexts), and
 * otherwise selects the given input and falls back to `execCommand('copy')`.
 */
export async function copyText(text: string, fallbackInput?: HTMLInputElement): Promise<boolean> {
	try {
		if (navigator.clipboard && window.isSecureContext) {
			await navigator.clipboard.writeText(text);
			return true;
		}
	} catch {
		// Permission denied or unfocused document: try the fallback.
	}
	if (!fallbackInput) return false;
	fallbackInput.focus();
	fallbackInput.select();
	try {
		// Deprecated, but the only option on plain-http origins such as a LAN install.
		return document.execCommand('copy');
	} catch {
		return false;
	}
}
