/** The quick-pick set; any single emoji is accepted by the server. */
export const QUICK_EMOJI = ['👍', '❤️', '😂', '🎉', '😮', '😢', '🙏', '👀', '🔥', '✅', '🚀', '💯'];
