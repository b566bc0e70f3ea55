import { sql, type Kysely } from 'kysely';

/**
 * Half of a pair's counter updates become HOT. The partial indexes that find open pairs read `judgment_count +
 * lease_count`, so both columns were indexed columns, and every change to either was a non-HOT update: a new entry in
 * every index of `pairs` (twice per judgment). A judgment moves a slot from `lease_count` to `judgment_count` and
 * leaves their sum alone; PostgreSQL decides HOT by comparing the values of indexed columns, so with the indexes on a
 * stored generated column `taken` (the sum) instead, that update leaves every index untouched when the page has room.
 * A fill factor of 90 keeps room on each page for those updated versions. Leases, skips and expiries change `taken`
 * and stay non-HOT, as the order of open pairs changes with them.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE pairs SET (fillfactor = 90)`.execute(db);
  // Adding a stored generated column rewrites the table, under the fill factor just set.
  await sql`ALTER TABLE pairs ADD COLUMN taken integer NOT NULL GENERATED ALWAYS AS (judgment_count + lease_count) STORED`.execute(
    db,
  );
  await sql`DROP INDEX pairs_open_finish_first_idx`.execute(db);
  await sql`DROP INDEX pairs_open_random_idx`.execute(db);
  // The same two indexes as in the assignment_engine migration, over `taken`.
  await sql`CREATE INDEX pairs_open_finish_first_idx ON pairs (task_id, (taken = 0), taken, rand)
    WHERE taken < target AND gold IS NULL`.execute(db);
  await sql`CREATE INDEX pairs_open_random_idx ON pairs (task_id, rand) WHERE taken < target AND gold IS NULL`.execute(
    db,
  );
}

// Forward-only, like every Anchor migration.
export function down(): Promise<void> {
  return Promise.reject(new Error('Anchor migrations are forward-only.'));
}
