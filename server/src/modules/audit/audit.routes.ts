import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router } from 'express';
import { auditQuery, idParams } from '@anchor/shared';
import { requireRole } from '../../http/authenticate.js';
import { handle } from '../../http/handle.js';
import type { TaskService } from '../tasks/task.service.js';
import type { AuditService } from './audit.service.js';

export function auditRoutes(audit: AuditService, tasks: TaskService): Router {
  const router = Router();
  const admin = requireRole('admin');

  router.get(
    '/audit',
    admin,
    handle({ query: auditQuery }, async ({ query, res }) => {
      res.json(await audit.page(query));
    }),
  );
  router.get(
    '/audit/export',
    admin,
    handle({ query: auditQuery.omit({ cursor: true, limit: true }) }, async ({ query, res }) => {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', 'attachment; filename="audit-log.csv"');
      res.setHeader('Cache-Control', 'no-store');
      await pipeline(Readable.from(audit.csv(query)), res);
    }),
  );
  router.get(
    '/tasks/:id/exports',
    admin,
    handle({ params: idParams }, async ({ params, res }) => {
      const task = await tasks.getRow(params.id);
      res.json({ exports: await audit.exportsOf(task.id) });
    }),
  );
  return router;
}
