import { pipeline } from 'node:stream/promises';
import { Router, type Response } from 'express';
import { exportQuery, idParams } from '@anchor/shared';
import { handle } from '../../http/handle.js';
import { requireRole } from '../../http/authenticate.js';
import type { TaskService } from '../tasks/task.service.js';
import type { ExportService } from './export.service.js';

/** The HTTP client closed the connection mid-export: nothing to answer, and not a server error worth logging. */
function clientWentAway(res: Response, err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'ERR_STREAM_PREMATURE_CLOSE' && !res.writableFinished;
}

export function exportRoutes(exports: ExportService, tasks: TaskService): Router {
  const router = Router();
  router.use('/tasks/:id/export', requireRole('admin'));

  router.get(
    '/tasks/:id/export',
    handle({ params: idParams, query: exportQuery }, async ({ params, query, res }) => {
      const task = await tasks.getRow(params.id);
      const file = exports.file(task, query.format);
      const body = await exports.stream(task.id, query.format, query.filters);
      res.setHeader('Content-Type', file.contentType);
      res.setHeader('Content-Disposition', `attachment; filename="${file.filename}"`);
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      try {
        await pipeline(body, res);
      } catch (err) {
        if (clientWentAway(res, err)) return;
        // Failed before the first byte: the error handler answers with JSON, not an attachment.
        if (!res.headersSent) res.removeHeader('Content-Disposition');
        throw err;
      }
    }),
  );

  router.get(
    '/tasks/:id/export/manifest',
    handle({ params: idParams, query: exportQuery }, async ({ params, query, res }) => {
      const task = await tasks.getRow(params.id);
      res.json({ manifest: await exports.manifest(task, query.format, query.filters) });
    }),
  );

  router.get(
    '/tasks/:id/export/card',
    handle({ params: idParams, query: exportQuery }, async ({ params, query, res }) => {
      const task = await tasks.getRow(params.id);
      const manifest = await exports.manifest(task, query.format, query.filters);
      res.setHeader('Content-Type', 'text/markdown; charset=utf-8');
      res.setHeader('Content-Disposition', 'attachment; filename="README.md"');
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.send(manifest.datasetCard);
    }),
  );
  return router;
}
