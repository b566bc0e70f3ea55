import { sql, type Kysely } from 'kysely';

/**
 * The tamper-evident judgment chain. A sealer (server/src/modules/exports/judgment-chain.repository.ts) appends each
 * task's judgments to that task's hash chain after they are committed: `chain_index` is the judgment's position in its
 * task's chain (0, 1, 2, … with no gap) and `chain_hash` the SHA-256 (hex) of the previous hash and the judgment's
 * immutable fields. Both stay null until sealed, so the insert path of judgments does not change or serialise.
 *
 * The unique index is partial: an unsealed judgment has no entry in it, so inserting a judgment costs no extra index
 * entry there; the second partial index is the sealer's queue (unsealed judgments per task, in `seq` order).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('judgments')
    .addColumn('chain_index', 'bigint', (c) => c.check(sql`chain_index >= 0`))
    .addColumn('chain_hash', 'text', (c) => c.check(sql`chain_hash ~ '^[0-9a-f]{64}$'`))
    .execute();
  await sql`ALTER TABLE judgments ADD CONSTRAINT judgments_chain_sealed
    CHECK ((chain_index IS NULL) = (chain_hash IS NULL))`.execute(db);
  await sql`CREATE UNIQUE INDEX judgments_task_chain_key ON judgments (task_id, chain_index)
    WHERE chain_index IS NOT NULL`.execute(db);
  await sql`CREATE INDEX judgments_unsealed_idx ON judgments (task_id, seq) WHERE chain_index IS NULL`.execute(db);
}

// Forward-only, like every Anchor migration.
export function down(): Promise<void> {
  return Promise.reject(new Error('Anchor migrations are forward-only.'));
}
