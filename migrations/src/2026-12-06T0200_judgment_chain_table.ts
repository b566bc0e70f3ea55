import { sql, type Kysely } from 'kysely';

/**
 * The judgment chain moves out of the judgments table into a narrow table of its own, with a queue of what is still to
 * seal. Sealing wrote chain_index and chain_hash into each judgment row: not a HOT update (both are indexed), so every
 * judgment was written twice with its ~9 index entries, a burst of WAL landed every second for commits to queue
 * behind, and a million seeded judgments took 84 s to seal on PostgreSQL 17 and 490 s on 15 (dead rows piling up in
 * the partial index the sealer read). Now sealing inserts a small row per judgment and deletes its queue entry.
 *
 * - `judgment_chain`: a sealed judgment's place in its task's chain. No foreign key to judgments, on purpose: a
 *   judgment removed later leaves its link behind, and the verifier reports the gap. The task's key cascades, so a
 *   deleted task takes its chain with it.
 * - `judgment_seal_queue`: committed judgments not sealed yet, per task in `seq` order. An AFTER INSERT trigger on
 *   judgments fills it (one statement per INSERT, from its transition table), so no way of writing a judgment, the
 *   engine's or a script's, can leave one out of the chain.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE judgment_chain (
      judgment_id uuid PRIMARY KEY,
      task_id uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
      chain_index bigint NOT NULL CHECK (chain_index >= 0),
      chain_hash text NOT NULL CHECK (chain_hash ~ '^[0-9a-f]{64}$'),
      UNIQUE (task_id, chain_index))`.execute(db);
  await sql`CREATE TABLE judgment_seal_queue (
      task_id uuid NOT NULL,
      seq bigint NOT NULL,
      judgment_id uuid NOT NULL,
      PRIMARY KEY (task_id, seq))`.execute(db);
  await sql`INSERT INTO judgment_chain (judgment_id, task_id, chain_index, chain_hash)
    SELECT id, task_id, chain_index, chain_hash FROM judgments WHERE chain_index IS NOT NULL`.execute(db);
  await sql`INSERT INTO judgment_seal_queue (task_id, seq, judgment_id)
    SELECT task_id, seq, id FROM judgments WHERE chain_index IS NULL`.execute(db);
  await sql`CREATE FUNCTION queue_judgments_for_sealing() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO judgment_seal_queue (task_id, seq, judgment_id) SELECT task_id, seq, id FROM added;
      RETURN NULL;
    END $$`.execute(db);
  await sql`CREATE TRIGGER judgments_queue_for_sealing AFTER INSERT ON judgments
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION queue_judgments_for_sealing()`.execute(db);
  // Drops the two partial indexes and the check constraint with the columns.
  await sql`ALTER TABLE judgments DROP COLUMN chain_index, DROP COLUMN chain_hash`.execute(db);
}

// Forward-only, like every Anchor migration.
export function down(): Promise<void> {
  return Promise.reject(new Error('Anchor migrations are forward-only.'));
}
