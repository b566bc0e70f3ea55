import { Router } from 'express';
import { createTaskBody, idParams, patchTaskBody } from '@anchor/shared';
import { handle } from '../../http/handle.js';
import { requireRole } from '../../http/authenticate.js';
import type { ProgressService } from '../progress/progress.service.js';
import type { TaskService } from './task.service.js';

export function taskRoutes(tasks: TaskService, progress: ProgressService): Router {
  const router = Router();
  router.use('/tasks', requireRole('admin'));

  router.post(
    '/tasks',
    handle({ body: createTaskBody }, async ({ body, user, res }) => {
      res.status(201).json({ task: await tasks.create(body, user.id) });
    }),
  );
  router.get(
    '/tasks',
    handle({}, async ({ res }) => {
      res.json({ tasks: await tasks.list() });
    }),
  );
  router.get(
    '/tasks/:id',
    handle({ params: idParams }, async ({ params, res }) => {
      res.json({ task: await tasks.get(params.id) });
    }),
  );
  router.patch(
    '/tasks/:id',
    handle({ params: idParams, body: patchTaskBody }, async ({ params, body, res }) => {
      res.json({ task: await tasks.update(params.id, body) });
    }),
  );
  router.get(
    '/tasks/:id/stats',
    handle({ params: idParams }, async ({ params, res }) => {
      res.json(await progress.stats(await tasks.getRow(params.id)));
    }),
  );
  return router;
}
