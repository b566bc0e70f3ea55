import { sql, type Kysely } from 'kysely';

/**
 * Fewer index entries per judgment. `seq` on judgments and on pairs is an identity column, unique by construction,
 * and every query that reads by it also names the task or the rater; the unique indexes on `seq` alone served none of
 * them, yet every judgment wrote one entry into judgments' and two into pairs' (a pair's counters change twice per
 * judgment, and those updates cannot be HOT). A rater's history is read by rater in `seq` order, so the index on
 * `rater_id` becomes one on `(rater_id, seq)`, which also serves that order.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE judgments DROP CONSTRAINT judgments_seq_key`.execute(db);
  await sql`ALTER TABLE pairs DROP CONSTRAINT pairs_seq_key`.execute(db);
  await sql`CREATE INDEX judgments_rater_seq_idx ON judgments (rater_id, seq)`.execute(db);
  await sql`DROP INDEX judgments_rater_idx`.execute(db);
}
