import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Security headers on every response, by helmet (docs/security.md). The Content-Security-Policy allows scripts only
 * from this origin: the built client is external module scripts (Vite), so no inline script is ever needed, and markup
 * that slipped into the page could not run one. Styles may be inline (React's style props, the Markdown renderer);
 * images from this origin and data: URLs; no plugins, no framing by anyone, forms and <base> only to this origin.
 * `connect-src 'self'` covers the socket.io WebSocket on the same host.
 *
 * No `upgrade-insecure-requests`: Anchor is also run over plain HTTP on a LAN, where it would break every asset.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'script-src-attr': ["'none'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // HSTS only matters over TLS (browsers ignore it on http); a year, as helmet's default, without preload.
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: false },
  });
}
