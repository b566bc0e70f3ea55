import { Router } from 'express';
import { createUserBody, idParams, listUsersQuery, patchUserBody } from '@anchor/shared';
import { handle } from '../../http/handle.js';
import { requireRole } from '../../http/authenticate.js';
import type { UserService } from './user.service.js';

export function userRoutes(users: UserService): Router {
  const router = Router();
  router.use('/users', requireRole('admin'));

  router.post(
    '/users',
    handle({ body: createUserBody }, async ({ body, user, res }) => {
      res.status(201).json({ user: await users.create(body, user) });
    }),
  );
  router.get(
    '/users',
    handle({ query: listUsersQuery }, async ({ query, res }) => {
      res.json({ users: await users.list(query) });
    }),
  );
  router.get(
    '/users/:id',
    handle({ params: idParams }, async ({ params, res }) => {
      res.json({ user: await users.get(params.id) });
    }),
  );
  router.get(
    '/users/:id/activity',
    handle({ params: idParams }, async ({ params, res }) => {
      res.json(await users.activity(params.id));
    }),
  );
  router.patch(
    '/users/:id',
    handle({ params: idParams, body: patchUserBody }, async ({ params, body, user, res }) => {
      res.json({ user: await users.update(params.id, body, user.id, user) });
    }),
  );
  return router;
}
