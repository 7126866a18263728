import { defineHandlers } from '../define.ts';

export const systemHandlers = defineHandlers({
	ping: async (_ctx, { nonce }) => ({ nonce, serverTime: Date.now() })
});
