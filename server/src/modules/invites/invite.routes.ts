import { Router } from 'express';
import { acceptInviteBody, createInviteBody, idParams, inviteTokenParams, SESSION_COOKIE } from '@anchor/shared';
import { requireRole } from '../../http/authenticate.js';
import { handle } from '../../http/handle.js';
import { parseOrThrow } from '../../lib/validation.js';
import type { AuthService } from '../auth/auth.service.js';
import { presentUser } from '../users/user.presenter.js';
import type { InviteService } from './invite.service.js';

/** The origin the invitee's browser will use: the admin's own, the configured public origin, or the request's host. */
function originOf(req: { protocol: string; get(name: string): string | undefined }, publicOrigins: string[]): string {
  // A cookie-authenticated write's Origin has passed the CSRF check: it is where the admin's browser is.
  return req.get('origin') ?? publicOrigins[0] ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

/** Admin routes: create, list and revoke invitations. Mounted behind the signed-in gate. */
export function inviteAdminRoutes(invites: InviteService, publicOrigins: string[]): Router {
  const router = Router();
  router.use('/invites', requireRole('admin'));
  router.post(
    '/invites',
    handle({ body: createInviteBody }, async ({ body, user, req, res }) => {
      res.status(201).json(await invites.create(body, user, originOf(req, publicOrigins)));
    }),
  );
  router.get(
    '/invites',
    handle({}, async ({ res }) => {
      res.json({ invites: await invites.list() });
    }),
  );
  router.delete(
    '/invites/:id',
    handle({ params: idParams }, async ({ params, user, res }) => {
      res.json({ invite: await invites.revoke(params.id, user) });
    }),
  );
  return router;
}

/**
 * Public routes for the invitee (no session yet): read the invitation, and accept it with a password, which signs the
 * new user in (the same session cookie as /auth/login).
 */
export function invitePublicRoutes(invites: InviteService, auth: AuthService): Router {
  const router = Router();
  router.get('/invites/:token', async (req, res, next) => {
    // An admin's GET /invites/:id-looking path never matches a token's shape; let it fall through.
    const parsed = inviteTokenParams.safeParse(req.params);
    if (!parsed.success) return next();
    res.setHeader('Cache-Control', 'no-store');
    res.json({ invite: await invites.preview(parsed.data.token) });
  });
  router.post('/invites/:token/accept', async (req, res) => {
    const { token } = parseOrThrow(inviteTokenParams, req.params, 'The address');
    const body = parseOrThrow(acceptInviteBody, req.body ?? {}, 'The request body');
    const user = await invites.accept(token, body);
    const login = await auth.login(user.email, body.password);
    res.cookie(SESSION_COOKIE, login.sessionSecret, {
      httpOnly: true,
      sameSite: 'lax',
      secure: req.secure,
      path: '/',
      expires: login.expiresAt,
    });
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json({ user: presentUser(login.user) });
  });
  return router;
}
