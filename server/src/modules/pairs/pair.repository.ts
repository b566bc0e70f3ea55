import type { Insertable } from 'kysely';
import type { Database } from '../../db/database.js';
import type { DB, Pairs } from '../../db/schema.js';
import type { Transaction } from 'kysely';

export class PairRepository {
  constructor(readonly db: Database) {}

  transaction<T>(fn: (tx: Transaction<DB>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  /** Inserts the batch; rows whose (task, externalId) exists are skipped. Returns how many were inserted. */
  async insertBatch(tx: Transaction<DB>, rows: Insertable<Pairs>[]): Promise<number> {
    if (rows.length === 0) return 0;
    const inserted = await tx
      .insertInto('pairs')
      .values(rows)
      .onConflict((oc) => oc.columns(['task_id', 'external_id']).doNothing())
      .returning('id')
      .execute();
    return inserted.length;
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
