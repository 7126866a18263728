import type { Logger } from 'pino';
import type { App as ParleyApp } from '#lib/server/app.ts';
import type { SessionInfo } from '#lib/server/auth/session.service.ts';
import type { ErrorCode } from '#lib/shared/errors.ts';
import type { PublicUser } from '#lib/shared/types.ts';

declare global {
	namespace App {
		interface Error {
			message: string;
			code?: ErrorCode;
		}
		interface Locals {
			app: ParleyApp;
			log: Logger;
			requestId: string;
			user: PublicUser | null;
			session: SessionInfo | null;
			/** Set when the request authenticated with `Authorization: Bearer <API token>`. */
			apiTokenId: string | null;
		}
	}
}

export {};
