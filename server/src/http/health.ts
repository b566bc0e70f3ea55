import { Router } from 'express';
import { sql } from 'kysely';
import { latestMigration } from '@anchor/migrations';
import type { Database } from '../db/database.js';

export function healthRoutes(db: Database): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Ready when the database answers and the newest migration is applied.
  router.get('/readyz', async (_req, res) => {
    try {
      const row = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name DESC LIMIT 1`.execute(db);
      if (row.rows[0]?.name !== latestMigration) {
        res.status(503).json({ error: { code: 'unavailable', message: 'Database migrations are not applied yet.' } });
        return;
      }
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ error: { code: 'unavailable', message: 'The database is not reachable right now.' } });
    }
  });
  return router;
}
