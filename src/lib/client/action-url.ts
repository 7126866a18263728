/**
 * A form action URL (`?/name`) that keeps the page's other query parameters, so a search or page
 * number survives the submission, with or without JavaScript.
 */
export function actionUrl(name: string, url: Pick<URL, 'search'>): string {
	const params = new URLSearchParams();
	for (const [key, value] of new URLSearchParams(url.search)) {
		if (!key.startsWith('/')) params.append(key, value);
	}
	const rest = params.toString();
	return `?/${name}${rest ? `&${rest}` : ''}`;
}
