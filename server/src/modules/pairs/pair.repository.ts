import { sql } from 'kysely';
import type { Insertable } from 'kysely';
import type { Database } from '../../db/database.js';
import type { DB, Pairs } from '../../db/schema.js';
import type { Transaction } from 'kysely';

export class PairRepository {
  constructor(readonly db: Database) {}

  transaction<T>(fn: (tx: Transaction<DB>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  /**
   * Inserts the batch; rows whose (task, externalId) exists are skipped. Returns how many were inserted, and how many
   * of those are work pairs (not gold checks) for the progress counters.
   */
  async insertBatch(tx: Transaction<DB>, rows: Insertable<Pairs>[]): Promise<{ inserted: number; work: number }> {
    if (rows.length === 0) return { inserted: 0, work: 0 };
    const inserted = await tx
      .insertInto('pairs')
      .values(rows)
      .onConflict((oc) => oc.columns(['task_id', 'external_id']).doNothing())
      .returning('gold')
      .execute();
    return { inserted: inserted.length, work: inserted.filter((r) => r.gold === null).length };
  }

  /** Counts an import's work pairs; called last in the import's transaction so the counter row is held briefly. */
  async countPairs(tx: Transaction<DB>, taskId: string, pairs: number): Promise<void> {
    if (pairs === 0) return;
    await sql`INSERT INTO task_counters (task_id, shard, pairs) VALUES (${taskId}, 0, ${pairs})
      ON CONFLICT (task_id, shard) DO UPDATE SET pairs = task_counters.pairs + excluded.pairs`.execute(tx);
  }

  /** Keyset page in import order (seq): exact and stable while imports add rows. */
  page(taskId: string, limit: number, afterSeq?: number) {
    return this.db
      .selectFrom('pairs')
      .selectAll()
      .where('task_id', '=', taskId)
      .$if(afterSeq !== undefined, (qb) => qb.where('seq', '>', afterSeq!))
      .orderBy('seq')
      .limit(limit)
      .execute();
  }
}
