import { pipeline } from 'node:stream/promises';
import { Router, type Response } from 'express';
import { exportQuery, idParams } from '@anchor/shared';
import { handle } from '../../http/handle.js';
import { requireRole } from '../../http/authenticate.js';
import type { AuditService } from '../audit/audit.service.js';
import { digestTap, rowCounter } from '../audit/export-tap.js';
import type { TaskService } from '../tasks/task.service.js';
import type { ExportService } from './export.service.js';

/** The HTTP client closed the connection mid-export: nothing to answer, and not a server error worth logging. */
function clientWentAway(res: Response, err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'ERR_STREAM_PREMATURE_CLOSE' && !res.writableFinished;
}

export function exportRoutes(exports: ExportService, tasks: TaskService, audit?: AuditService): Router {
  const router = Router();
  router.use('/tasks/:id/export', requireRole('admin'));

  router.get(
    '/tasks/:id/export',
    handle({ params: idParams, query: exportQuery }, async ({ params, query, user, res }) => {
      const task = await tasks.getRow(params.id);
      const file = exports.file(task, query.format);
      // Rows are counted in the COPY output and the served bytes digested, for the export log (admin console).
      const counter = rowCounter(query.format);
      const digest = digestTap();
      const body = await exports.stream(task.id, query.format, query.filters, (rows) => {
        // Errors flow down to the response; a download cut short ends the COPY (and frees its connection).
        rows.on('error', (err) => counter.destroy(err));
        counter.on('close', () => rows.destroy());
        return rows.pipe(counter);
      });
      res.setHeader('Content-Type', file.contentType);
      res.setHeader('Content-Disposition', `attachment; filename="${file.filename}"`);
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      try {
        await pipeline(body, digest, res);
        await audit?.recordExport(user, {
          taskId: task.id,
          format: query.format,
          filters: query.filters,
          rows: counter.rows(),
          ...digest.digest(),
        });
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
