import { Router } from 'express';
import { z } from 'zod';
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
      res.status(201).json({ task: await tasks.create(body, user.id, user) });
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
    handle({ params: idParams, body: patchTaskBody }, async ({ params, body, user, res }) => {
      res.json({ task: await tasks.update(params.id, body, user) });
    }),
  );
  router.get(
    '/tasks/:id/stats',
    handle({ params: idParams }, async ({ params, res }) => {
      res.json(await progress.stats(await tasks.getRow(params.id)));
    }),
  );
  // The overview's counters for every task, seeded once; `task:progress` keeps them live.
  router.get(
    '/progress',
    requireRole('admin'),
    handle({}, async ({ res }) => {
      const all = await tasks.list();
      res.json({ progress: await Promise.all(all.map((t) => progress.progressOf(t.id))) });
    }),
  );
  router.get(
    '/tasks/:id/preview',
    handle({ params: idParams, query: previewQuery }, async ({ params, query, res }) => {
      res.setHeader('Cache-Control', 'no-store');
      res.json(await tasks.preview(params.id, query.n));
    }),
  );
  return router;
}

/** `?n=` picks the task's n-th pair in import order (0: the first). */
const previewQuery = z.object({
  n: z.coerce.number({ message: 'must be a whole number' }).int().min(0).max(1_000_000).default(0),
});
