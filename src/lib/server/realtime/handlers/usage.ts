import { AppError } from '../../errors.ts';
import { defineHandlers } from '../define.ts';

/** The admins' live operations panel. Non-admins are refused and never receive samples. */
export const usageHandlers = defineHandlers({
	'usage:live:watch': async ({ app, user, socket }, { watch }) => {
		if ((await user()).role !== 'admin') {
			throw new AppError('forbidden', 'Only admins can watch live metrics.');
		}
		if (!watch) {
			app.live.unwatch(socket.id);
			return { samples: [] };
		}
		return { samples: app.live.watch(socket.id) };
	}
});
