import { Router } from 'express';
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
  return router;
}
