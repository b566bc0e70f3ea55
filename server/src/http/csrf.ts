import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { errors } from '../errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * True when the request's Origin names this server's host or one of the configured public origins (ANCHOR_PUBLIC_ORIGIN,
 * for proxies that rewrite Host). A missing Origin is refused: every browser sends one on cross-site and same-site writes and handshakes.
 */
export function originAllowed(req: IncomingMessage, publicOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (!origin) return false;
  return originMatches(origin, req, publicOrigins);
}

/**
 * For the socket handshake. Browsers send no Origin on a same-origin GET, which is how socket.io's long-polling
 * transport opens, but they do send `Sec-Fetch-Site: same-origin`, which a page on another site cannot forge. (The
 * WebSocket transport always carries Origin.) Without either, a cookie handshake is refused.
 */
export function handshakeOriginAllowed(req: IncomingMessage, publicOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin) return originMatches(origin, req, publicOrigins);
  return req.headers['sec-fetch-site'] === 'same-origin';
}

function originMatches(origin: string, req: IncomingMessage, publicOrigins: readonly string[]): boolean {
  if (publicOrigins.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** CSRF defence for cookie-authenticated writes; bearer-token requests cannot be forged by a browser and pass. */
export function csrfGuard(publicOrigins: readonly string[]): RequestHandler {
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method) || res.locals.authMethod === 'token') return next();
    const cookieWrite = res.locals.authMethod === 'session';
    // Login has no session yet; a browser login from another site is still refused (login CSRF).
    const browserLogin = req.headers.origin !== undefined;
    if ((cookieWrite || browserLogin) && !originAllowed(req, publicOrigins)) {
      throw errors.forbidden(
        'This request came from another site (its Origin header does not match this server), so it was refused.',
      );
    }
    next();
  };
}
