import type { Role } from '@anchor/shared';

/** The authenticated caller, resolved once per request by `authenticate`. */
export interface AuthUser {
  id: string;
  role: Role;
  email: string;
}

export type AuthMethod = 'session' | 'token';

declare module 'express-serve-static-core' {
  interface Locals {
    user?: AuthUser;
    authMethod?: AuthMethod;
    sessionId?: string;
    /** Input parsed by `validate`; typed at the handler through `handle()`. */
    input?: unknown;
  }
}
