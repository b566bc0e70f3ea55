import { sql, type Kysely } from 'kysely';

/**
 * The assignment engine's settings and bookkeeping: per-pair targets (adaptive redundancy), a random key per pair so
 * the lease query reads an index in policy order instead of sorting the task, per-group slot counts (quotas), gold
 * items, and each rater's standing in a task (gold accuracy, paused).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('tasks')
    .addColumn('assignment_order', 'text', (c) =>
      c
        .notNull()
        .defaultTo('finish_first')
        .check(sql`assignment_order IN ('finish_first', 'random')`),
    )
    .addColumn('min_judgments', 'integer', (c) => c.check(sql`min_judgments BETWEEN 1 AND 50`))
    .addColumn('max_judgments', 'integer', (c) => c.check(sql`max_judgments BETWEEN 1 AND 50`))
    .addColumn('quota', 'jsonb')
    .addColumn('gold_rate', 'real', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`gold_rate BETWEEN 0 AND 1`),
    )
    .addColumn('gold_min_accuracy', 'real', (c) => c.check(sql`gold_min_accuracy BETWEEN 0 AND 1`))
    .addColumn('gold_min_answers', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(5)
        .check(sql`gold_min_answers >= 1`),
    )
    .execute();
  await sql`ALTER TABLE tasks ADD CONSTRAINT tasks_adaptive_range CHECK (
    (min_judgments IS NULL) = (max_judgments IS NULL) AND (min_judgments IS NULL OR min_judgments <= max_judgments))`.execute(
    db,
  );

  await db.schema
    .alterTable('pairs')
    .addColumn('target', 'integer')
    .addColumn('rand', 'float8', (c) => c.notNull().defaultTo(sql`random()`))
    .addColumn('group_counts', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await sql`UPDATE pairs p SET target = coalesce(t.min_judgments, t.judgments_per_pair) FROM tasks t WHERE t.id = p.task_id`.execute(
    db,
  );
  await sql`ALTER TABLE pairs ALTER COLUMN target SET NOT NULL`.execute(db);
  await sql`DROP INDEX pairs_task_open_idx`.execute(db);
  // One partial index per order policy: only open, non-gold pairs, already in the order the lease query wants.
  await sql`CREATE INDEX pairs_open_finish_first_idx ON pairs
    (task_id, (judgment_count + lease_count = 0), (judgment_count + lease_count), rand)
    WHERE judgment_count + lease_count < target AND gold IS NULL`.execute(db);
  await sql`CREATE INDEX pairs_open_random_idx ON pairs (task_id, rand)
    WHERE judgment_count + lease_count < target AND gold IS NULL`.execute(db);
  await sql`CREATE INDEX pairs_gold_idx ON pairs (task_id, rand) WHERE gold IS NOT NULL`.execute(db);

  await db.schema
    .alterTable('assignments')
    .addColumn('is_gold', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('quota_group', 'text')
    .execute();

  await db.schema
    .createTable('task_raters')
    .addColumn('task_id', 'uuid', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
    .addColumn('rater_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('active')
        .check(sql`status IN ('active', 'paused')`),
    )
    .addColumn('gold_answered', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('gold_correct', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('pause_reason', 'text')
    .addColumn('paused_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('task_raters_pkey', ['task_id', 'rater_id'])
    .execute();
}

export function down(): Promise<void> {
  return Promise.reject(new Error('Anchor migrations are forward-only.'));
}
