import { Router } from 'express';
import { idParams, leaderboardQuery, raterStatsQuery, taskQualityQuery } from '@anchor/shared';
import { requireRole } from '../../http/authenticate.js';
import { handle } from '../../http/handle.js';
import type { TaskService } from '../tasks/task.service.js';
import type { QualityService } from './quality.service.js';

/** Quality figures for the admin console and scripts: all admin-only, all read-only. */
export function qualityRoutes(quality: QualityService, tasks: TaskService): Router {
  const router = Router();
  const admin = requireRole('admin');

  router.get(
    '/tasks/:id/leaderboard',
    admin,
    handle({ params: idParams, query: leaderboardQuery }, async ({ params, query, res }) => {
      const task = await tasks.getRow(params.id);
      res.json(await quality.leaderboard(task.id, query));
    }),
  );
  router.get(
    '/tasks/:id/quality',
    admin,
    handle({ params: idParams, query: taskQualityQuery }, async ({ params, query, res }) => {
      const task = await tasks.getRow(params.id);
      res.json(await quality.taskQuality(task.id, query));
    }),
  );
  router.get(
    '/raters/:id/stats',
    admin,
    handle({ params: idParams, query: raterStatsQuery }, async ({ params, query, res }) => {
      if (query.taskId) await tasks.getRow(query.taskId);
      res.json(await quality.raterStats(params.id, query));
    }),
  );
  return router;
}
