import { Router } from 'express';
import { createUserBody, idParams, patchUserBody } from '@anchor/shared';
import { handle } from '../../http/handle.js';
import { requireRole } from '../../http/authenticate.js';
import type { UserService } from './user.service.js';

export function userRoutes(users: UserService): Router {
  const router = Router();
  router.use('/users', requireRole('admin'));

  router.post(
    '/users',
    handle({ body: createUserBody }, async ({ body, res }) => {
      res.status(201).json({ user: await users.create(body) });
    }),
  );
  router.get(
    '/users',
    handle({}, async ({ res }) => {
      res.json({ users: await users.list() });
    }),
  );
  router.patch(
    '/users/:id',
    handle({ params: idParams, body: patchUserBody }, async ({ params, body, user, res }) => {
      res.json({ user: await users.update(params.id, body, user.id) });
    }),
  );
  return router;
}
