import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { parse as parseCookies } from 'cookie';
import { SESSION_COOKIE, type Role } from '@anchor/shared';
import { errors } from '../errors.js';
import type { AuthService } from '../modules/auth/auth.service.js';
import type { AuthMethod, AuthUser } from './locals.js';
import type { RateLimits } from './rate-limits.js';

export interface Credentials {
  sessionSecret?: string;
  bearer?: string;
}

export function readCredentials(req: IncomingMessage): Credentials {
  const header = req.headers.authorization;
  const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
  const sessionSecret = req.headers.cookie ? parseCookies(req.headers.cookie)[SESSION_COOKIE] : undefined;
  return { ...(bearer ? { bearer } : {}), ...(sessionSecret ? { sessionSecret } : {}) };
}

/**
 * One check for HTTP and sockets: a bearer token wins over a cookie; a bad bearer is never retried as a cookie. With
 * `limits`, token use is counted (429 rate_limited over the budget; see rate-limits.ts).
 */
export async function resolveCaller(
  auth: AuthService,
  credentials: Credentials,
  limits?: { limits: RateLimits; address: string },
): Promise<{ user: AuthUser; method: AuthMethod } | undefined> {
  if (credentials.bearer) {
    await limits?.limits.tokens.assertAddressAllowed(limits.address);
    const user = await auth.fromToken(credentials.bearer);
    if (!user) {
      await limits?.limits.tokens.recordBadToken(limits.address);
      return undefined;
    }
    await limits?.limits.tokens.consume(credentials.bearer);
    return { user, method: 'token' };
  }
  if (credentials.sessionSecret) {
    const user = await auth.fromSession(credentials.sessionSecret);
    return user && { user, method: 'session' };
  }
  return undefined;
}

/** Resolves the caller if any; routes that need one add `requireRole`. */
export function authenticate(auth: AuthService, limits?: RateLimits): RequestHandler {
  return async (req, res, next) => {
    const credentials = readCredentials(req);
    const caller = await resolveCaller(
      auth,
      credentials,
      limits && { limits, address: req.ip ?? req.socket.remoteAddress ?? 'unknown' },
    );
    if (caller) {
      res.locals.user = caller.user;
      res.locals.authMethod = caller.method;
    } else if (credentials.bearer) {
      throw errors.unauthorized('That API token is not valid: it may have been revoked, or its owner disabled.');
    }
    next();
  };
}

export function requireRole(...roles: Role[]): RequestHandler {
  return (_req, res, next) => {
    const user = res.locals.user;
    if (!user) throw errors.unauthorized();
    if (!roles.includes(user.role)) throw errors.forbidden(`This needs the ${roles.join(' or ')} role.`);
    next();
  };
}
