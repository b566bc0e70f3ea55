import { sql, type Kysely } from 'kysely';

/**
 * The admin console (issue 5).
 *
 * - invites: one-time sign-up links. Only the SHA-256 of the token is stored (like sessions and API tokens), with the
 *   attributes the new account gets, an expiry, and when it was accepted (by which user) or revoked.
 * - audit_log: who changed what, when: one row per admin action (task created or changed, pairs imported, user
 *   created or changed, invite created, accepted or revoked, export downloaded). Append-only; `seq` orders and pages.
 * - export_log: every export download: who, which format and filters, the rows and bytes served and their SHA-256.
 * - tasks.scale_labels: optional labels for the scale's points (a JSON array of strings, one per point).
 * - judgments (task_id, created_at): the live "judgments per minute" and "active raters" read the last minutes of a
 *   task's judgments up to four times a second; without it each read scans the task's judgments.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('invites')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text')
    .addColumn('role', 'text', (c) =>
      c
        .notNull()
        .defaultTo('rater')
        .check(sql`role IN ('admin', 'rater')`),
    )
    .addColumn('country', 'text')
    .addColumn('languages', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('attributes', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('accepted_at', 'timestamptz')
    .addColumn('accepted_user_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('invites_created_at_idx').on('invites').column('created_at').execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('seq', 'bigserial', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('actor_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('actor_email', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text')
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex('audit_log_target_idx').on('audit_log').columns(['target_type', 'target_id']).execute();

  await db.schema
    .createTable('export_log')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('task_id', 'uuid', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
    .addColumn('actor_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('filters', 'jsonb', (c) => c.notNull())
    .addColumn('rows', 'integer')
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('export_log_task_idx').on('export_log').columns(['task_id', 'created_at']).execute();

  await db.schema.alterTable('tasks').addColumn('scale_labels', 'jsonb').execute();

  await sql`CREATE INDEX judgments_task_created_idx ON judgments (task_id, created_at)`.execute(db);
}

// Forward-only, like every Anchor migration.
export function down(): Promise<void> {
  return Promise.reject(new Error('Anchor migrations are forward-only.'));
}
