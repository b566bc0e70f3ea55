import { Router, type Response } from 'express';
import { createTokenBody, loginBody, SESSION_COOKIE } from '@anchor/shared';
import { AppError } from '../../errors.js';
import { handle } from '../../http/handle.js';
import { readCredentials, requireRole } from '../../http/authenticate.js';
import { parseOrThrow } from '../../lib/validation.js';
import type { UserService } from '../users/user.service.js';
import { presentUser } from '../users/user.presenter.js';
import type { AuthService } from './auth.service.js';
import { LoginThrottle } from './login-throttle.js';

export function authRoutes(auth: AuthService, users: UserService): Router {
  const router = Router();
  const throttle = new LoginThrottle();

  router.post('/auth/login', async (req, res) => {
    const body = parseOrThrow(loginBody, req.body ?? {}, 'The request body');
    const address = req.ip ?? 'unknown';
    await throttle.assertAllowed(body.email, address);
    const login = await auth.login(body.email, body.password).catch(async (err: unknown) => {
      if (err instanceof AppError && err.code === 'unauthorized') await throttle.recordFailure(body.email, address);
      throw err;
    });
    await throttle.recordSuccess(body.email);
    const { user, sessionSecret, expiresAt } = login;
    // A fresh secret on every login (rotation): a cookie planted before sign-in is useless after it.
    const old = readCredentials(req).sessionSecret;
    if (old) await auth.logout(old);
    res.cookie(SESSION_COOKIE, sessionSecret, {
      httpOnly: true,
      sameSite: 'lax',
      secure: req.secure,
      path: '/',
      expires: expiresAt,
    });
    res.json({ user: presentUser(user) });
  });

  router.post('/auth/logout', async (req, res: Response) => {
    const secret = readCredentials(req).sessionSecret;
    if (secret) await auth.logout(secret);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.status(204).end();
  });

  router.get(
    '/auth/me',
    handle({}, async ({ user, res }) => {
      res.json({ user: await users.get(user.id) });
    }),
  );

  router.post(
    '/tokens',
    requireRole('admin'),
    handle({ body: createTokenBody }, async ({ body, user, res }) => {
      res.status(201).json(await auth.createToken(user.id, body.name));
    }),
  );

  return router;
}
