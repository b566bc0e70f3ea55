import { Transform } from 'node:stream';
import { Router } from 'express';
import { idParams, listPairsQuery } from '@anchor/shared';
import { AppError } from '../../errors.js';
import { handle } from '../../http/handle.js';
import { requireRole } from '../../http/authenticate.js';
import type { TaskService } from '../tasks/task.service.js';
import { importFormatOf } from './import-parser.js';
import type { PairService } from './pair.service.js';

function tooLarge(limit: number): AppError {
  return new AppError(
    'payload_too_large',
    `The import is larger than ${limit >= 1024 * 1024 ? `${Math.round(limit / 1024 / 1024)} MB` : `${Math.round(limit / 1024)} KB`}; split the file and post the parts.`,
  );
}

/** Passes bytes through until the limit, then fails the stream (which rolls the import back). */
function byteLimit(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      callback(seen > limit ? tooLarge(limit) : null, chunk);
    },
  });
}

export function pairRoutes(pairs: PairService, tasks: TaskService, importMaxBytes: number): Router {
  const router = Router();
  router.use('/tasks/:id/pairs', requireRole('admin'));

  router.post(
    '/tasks/:id/pairs',
    handle({ params: idParams }, async ({ params, req, user, res }) => {
      const task = await tasks.getRow(params.id);
      if (task.status === 'archived')
        throw new AppError('conflict', 'This task is archived; pairs can no longer be added.');
      const format = importFormatOf(req.headers['content-type']);
      if (!format) {
        throw new AppError(
          'unsupported_media_type',
          'Send pairs as JSON Lines (Content-Type: application/x-ndjson) or CSV (Content-Type: text/csv).',
        );
      }
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > importMaxBytes) throw tooLarge(importMaxBytes);
      const body = req.pipe(byteLimit(importMaxBytes));
      req.on('error', (err) => body.destroy(err));
      // The limit may trip before the parser listens; the parser then finds it in `body.errored` (import-parser.ts).
      body.on('error', () => {});
      res.json(await pairs.import(task, format, body, user));
    }),
  );

  router.get(
    '/tasks/:id/pairs',
    handle({ params: idParams, query: listPairsQuery }, async ({ params, query, res }) => {
      await tasks.getRow(params.id);
      res.json(await pairs.page(params.id, query.limit, query.cursor));
    }),
  );
  return router;
}
