/**
 * When a model that `/api/models` no longer lists may be marked deleted. Open WebUI answers that
 * endpoint from its model connections (OpenAI, Ollama…): until they have answered, for example
 * right after a restart, it lists nothing, not even the workspace presets, and with one connection
 * down it lacks that connection's models and the presets built on them. So its answer is trusted
 * only when it is not empty and lacks at most half of the imported models, and even then a
 * missing preset that the workspace model list still has is kept. Otherwise each missing model
 * needs a confirmation:
 * - a workspace preset: the workspace model list (`/api/v1/models/list`, read from Open WebUI's
 *   database) still has it → kept; it lacks it too → deleted, two sources agree;
 * - anything else (or when the workspace list cannot be read): kept, and remembered as missing
 *   since this run; a later run whose listing still lacks it (and is not empty) deletes it;
 * - an empty listing never deletes a model that only a connection could list.
 */

export interface KnownModel {
	remoteId: string;
	/** A workspace preset (it has a base model), which the workspace list can confirm. */
	preset: boolean;
	/** Set by an earlier run whose untrusted listing lacked it. */
	missingSince: Date | null;
}

export interface ModelVerdict {
	/** Mark deleted now. */
	remove: string[];
	/** Missing for the first time from an untrusted listing: remember since this run. */
	mark: string[];
	/** For the run's record: why deletions were held back; null when the listing was trusted. */
	warning: string | null;
}

/** More than this share of the imported models missing makes a listing untrusted. */
export const SHRINK_SHARE = 0.5;

/** Whether the listing may be believed about the models it lacks (presets aside). */
export function listingTrusted(known: KnownModel[], listed: ReadonlySet<string>): boolean {
	if (known.length === 0) return true;
	const missing = known.filter((m) => !listed.has(m.remoteId)).length;
	return missing === 0 || (listed.size > 0 && missing <= known.length * SHRINK_SHARE);
}

/** Whether the workspace list is worth a request: the listing is not trusted, or lacks a preset. */
export function needsWorkspace(known: KnownModel[], listed: ReadonlySet<string>): boolean {
	return !listingTrusted(known, listed) || known.some((m) => m.preset && !listed.has(m.remoteId));
}

export function judgeMissingModels(input: {
	known: KnownModel[];
	listed: ReadonlySet<string>;
	/** Ids of the workspace model list, or null when it could not be read. */
	workspace: ReadonlySet<string> | null;
	runStartedAt: Date;
}): ModelVerdict {
	const { known, listed, runStartedAt } = input;
	const missing = known.filter((m) => !listed.has(m.remoteId));
	// An empty workspace list while presets were imported is no confirmation either (a key that
	// no longer sees other people's models, for instance).
	const workspace =
		input.workspace && (input.workspace.size > 0 || !known.some((m) => m.preset))
			? input.workspace
			: null;
	if (listingTrusted(known, listed)) {
		// A missing preset the workspace still has is only hidden (its base model's connection is down).
		const remove = missing.filter((m) => !workspace?.has(m.remoteId)).map((m) => m.remoteId);
		return { remove, mark: [], warning: null };
	}
	const empty = listed.size === 0;
	const verdict: ModelVerdict = { remove: [], mark: [], warning: null };
	let confirmed = 0;
	let later = 0;
	let hidden = 0;
	for (const model of missing) {
		if (workspace?.has(model.remoteId)) {
			hidden++;
		} else if (workspace && model.preset) {
			verdict.remove.push(model.remoteId);
			confirmed++;
		} else if (empty) {
			continue;
		} else if (model.missingSince && model.missingSince < runStartedAt) {
			verdict.remove.push(model.remoteId);
			later++;
		} else if (!model.missingSince) {
			verdict.mark.push(model.remoteId);
		}
	}
	const kept = missing.length - confirmed - later;
	const parts = [
		`Open WebUI listed ${empty ? 'no models' : `${listed.size} models`} and lacked ${missing.length} of the ${known.length} imported (its model connections may not have answered yet, e.g. right after a restart), so its list was not trusted.`
	];
	if (confirmed) {
		parts.push(`${confirmed} presets were also gone from the workspace list: deleted.`);
	}
	if (later) parts.push(`${later} still missing since an earlier run: deleted.`);
	if (hidden) parts.push(`${hidden} are still in the workspace list: kept.`);
	if (kept - hidden > 0) {
		parts.push(
			empty
				? `${kept - hidden} kept: an empty list does not prove a model deleted.`
				: `${kept - hidden} kept until a later run confirms they are gone.`
		);
	}
	verdict.warning = parts.join(' ');
	return verdict;
}
