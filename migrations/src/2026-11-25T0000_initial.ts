import { sql, type Kysely } from 'kysely';

// Migrations use Kysely<any> and never import app code: they must keep meaning what they meant when written.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS pgcrypto`.execute(db);

  await db.schema
    .createTable('users')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role IN ('admin', 'rater')`))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('active')
        .check(sql`status IN ('active', 'disabled')`),
    )
    .addColumn('password_hash', 'text')
    .addColumn('country', 'text')
    .addColumn('languages', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('attributes', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`CREATE UNIQUE INDEX users_email_key ON users (lower(email))`.execute(db);

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey()) // sha256 of the cookie's secret
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_user_id_idx').on('sessions').column('user_id').execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('tasks')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('instructions', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('draft')
        .check(sql`status IN ('draft', 'active', 'paused', 'archived')`),
    )
    .addColumn('judgments_per_pair', 'integer', (c) => c.notNull().check(sql`judgments_per_pair BETWEEN 1 AND 50`))
    .addColumn('scale_points', 'integer', (c) => c.notNull().check(sql`scale_points BETWEEN 2 AND 9`))
    .addColumn('lease_seconds', 'integer', (c) => c.notNull().check(sql`lease_seconds BETWEEN 30 AND 86400`))
    .addColumn('eligibility', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('pairs')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    // Import order: a stable, exact keyset for paging and exports (timestamps tie within one import).
    .addColumn('seq', 'bigint', (c) => c.notNull().generatedAlwaysAsIdentity().unique())
    .addColumn('task_id', 'uuid', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('prompt', 'jsonb', (c) => c.notNull()) // a JSON string or a list of {role, content}
    .addColumn('response_a', 'text', (c) => c.notNull())
    .addColumn('response_b', 'text', (c) => c.notNull())
    .addColumn('model_a', 'text')
    .addColumn('model_b', 'text')
    .addColumn('tags', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('gold', 'text', (c) => c.check(sql`gold IN ('A', 'B', 'tie')`))
    // Counters kept in the same transaction as the rows they count; the lease query locks the pair row.
    .addColumn('judgment_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('pairs_task_external_id_key', ['task_id', 'external_id'])
    .execute();
  await sql`CREATE INDEX pairs_task_open_idx ON pairs (task_id, judgment_count, lease_count)`.execute(db);
  await sql`CREATE INDEX pairs_task_seq_idx ON pairs (task_id, seq)`.execute(db);

  await db.schema
    .createTable('assignments')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('task_id', 'uuid', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
    .addColumn('pair_id', 'uuid', (c) => c.notNull().references('pairs.id').onDelete('cascade'))
    .addColumn('rater_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('shown_a_first', 'boolean', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('leased')
        .check(sql`status IN ('leased', 'submitted', 'skipped', 'expired')`),
    )
    .addColumn('skip_reason', 'text')
    .addColumn('leased_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('finished_at', 'timestamptz')
    .execute();
  // A rater meets a pair once: this index also makes "pairs this rater has not seen" an index probe.
  await sql`CREATE UNIQUE INDEX assignments_rater_pair_key ON assignments (rater_id, pair_id)`.execute(db);
  await sql`CREATE UNIQUE INDEX assignments_one_lease_per_task ON assignments (rater_id, task_id) WHERE status = 'leased'`.execute(
    db,
  );
  await sql`CREATE INDEX assignments_leased_expiry_idx ON assignments (expires_at) WHERE status = 'leased'`.execute(db);
  await db.schema.createIndex('assignments_pair_id_idx').on('assignments').column('pair_id').execute();

  await db.schema
    .createTable('judgments')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('seq', 'bigint', (c) => c.notNull().generatedAlwaysAsIdentity().unique())
    .addColumn('task_id', 'uuid', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
    .addColumn('pair_id', 'uuid', (c) => c.notNull().references('pairs.id').onDelete('cascade'))
    .addColumn('rater_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('restrict'))
    .addColumn('assignment_id', 'uuid', (c) => c.notNull().unique().references('assignments.id').onDelete('cascade'))
    .addColumn('idempotency_key', 'uuid', (c) => c.notNull().unique())
    .addColumn('choice', 'integer', (c) => c.notNull())
    .addColumn('preference', 'integer', (c) => c.notNull())
    .addColumn('shown_a_first', 'boolean', (c) => c.notNull())
    .addColumn('rationale', 'text')
    .addColumn('flags', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('time_ms', 'integer')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('judgments_pair_rater_key', ['pair_id', 'rater_id'])
    .execute();
  await db.schema.createIndex('judgments_task_seq_idx').on('judgments').columns(['task_id', 'seq']).execute();
  await db.schema.createIndex('judgments_rater_idx').on('judgments').column('rater_id').execute();
}

// Forward-only: a down migration that drops judgments would destroy paid work.
export function down(): Promise<void> {
  return Promise.reject(new Error('Anchor migrations are forward-only.'));
}
