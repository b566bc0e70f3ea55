import { Router } from 'express';
import { patchTaskRaterBody, taskRaterParams } from '@anchor/shared';
import { handle } from '../../http/handle.js';
import { requireRole } from '../../http/authenticate.js';
import type { AssignmentService } from './assignment.service.js';

/** Rater-facing HTTP routes; judging itself happens over the socket. Admins may rate too. */
export function assignmentRoutes(assignments: AssignmentService): Router {
  const router = Router();
  router.get(
    '/me/tasks',
    requireRole('rater', 'admin'),
    handle({}, async ({ user, res }) => {
      res.json({ tasks: await assignments.tasksFor(user.id) });
    }),
  );
  router.patch(
    '/tasks/:id/raters/:raterId',
    requireRole('admin'),
    handle({ params: taskRaterParams, body: patchTaskRaterBody }, async ({ params, body, res }) => {
      await assignments.setRaterStatus(params.id, params.raterId, body.status);
      res.json({ taskId: params.id, raterId: params.raterId, status: body.status });
    }),
  );
  return router;
}
