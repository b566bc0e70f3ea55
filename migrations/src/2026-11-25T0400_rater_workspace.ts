import { sql, type Kysely } from 'kysely';

/**
 * The rater workspace (issue 4).
 *
 * - judgments: signals that a person did the work (active time, focus losses, time to first choice, paste and
 *   keystroke counts in the rationale, viewport width, UI version) and the per-criterion answers. All nullable: the
 *   insert path stays one statement, and clients that send none (scripts, older UIs) store nulls.
 * - tasks: optional per-criterion ratings (`criteria`, a JSON array of {id, label, points}) and the rationale rule
 *   (`rationale`, {mode: off|optional|required, minLength}); null means "none" and "optional, no minimum".
 * - users: demographics a rater chose to give, only while they consent; `rater_consents` keeps every consent given
 *   (the text's version and the time) and when it was withdrawn.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('judgments')
    .addColumn('active_ms', 'integer', (c) => c.check(sql`active_ms >= 0`))
    .addColumn('focus_losses', 'integer', (c) => c.check(sql`focus_losses >= 0`))
    .addColumn('first_choice_ms', 'integer', (c) => c.check(sql`first_choice_ms >= 0`))
    .addColumn('paste_count', 'integer', (c) => c.check(sql`paste_count >= 0`))
    .addColumn('keystroke_count', 'integer', (c) => c.check(sql`keystroke_count >= 0`))
    .addColumn('screen_width', 'integer', (c) => c.check(sql`screen_width >= 0`))
    .addColumn('ui_version', 'text')
    .addColumn('criteria', 'jsonb')
    .execute();

  await db.schema.alterTable('tasks').addColumn('criteria', 'jsonb').addColumn('rationale', 'jsonb').execute();

  await db.schema.alterTable('users').addColumn('demographics', 'jsonb').execute();

  await db.schema
    .createTable('rater_consents')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind IN ('demographics')`))
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('given_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('withdrawn_at', 'timestamptz')
    .execute();
  // At most one live consent of a kind per user.
  await sql`CREATE UNIQUE INDEX rater_consents_live_key ON rater_consents (user_id, kind) WHERE withdrawn_at IS NULL`.execute(
    db,
  );
  // No new index on judgments: each one costs every insert, and a rater's history is served by judgments_rater_idx.
}

// Forward-only, like every Anchor migration.
export function down(): Promise<void> {
  return Promise.reject(new Error('Anchor migrations are forward-only.'));
}
