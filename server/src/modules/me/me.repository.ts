import { sql } from 'kysely';
import type { Database } from '../../db/database.js';
import type { Json } from '../../db/schema.js';

export interface ProfileRow {
  id: string;
  email: string;
  display_name: string;
  country: string | null;
  languages: string[];
  demographics: Json | null;
  consent_version: string | null;
  consent_given_at: Date | null;
}

export interface MyJudgmentRow {
  id: string;
  seq: string;
  task_id: string;
  task_name: string;
  prompt: Json;
  choice: number;
  scale_points: number;
  rationale: string | null;
  flags: string[];
  time_ms: number | null;
  created_at: Date;
}

const CONSENT_KIND = 'demographics';

/** Rater self-service queries. Every one is keyed by the caller's own id: no route here reads another rater's rows. */
export class MeRepository {
  constructor(private readonly db: Database) {}

  async profile(userId: string): Promise<ProfileRow | undefined> {
    const result = await sql<ProfileRow>`
      SELECT u.id, u.email, u.display_name, u.country, u.languages, u.demographics,
        c.version AS consent_version, c.given_at AS consent_given_at
      FROM users u
      LEFT JOIN rater_consents c ON c.user_id = u.id AND c.kind = ${CONSENT_KIND} AND c.withdrawn_at IS NULL
      WHERE u.id = ${userId}`.execute(this.db);
    return result.rows[0];
  }

  async updateProfile(
    userId: string,
    values: { country?: string | null; languages?: string[]; demographics?: Json | null },
  ): Promise<void> {
    await this.db
      .updateTable('users')
      .set({
        ...(values.country !== undefined ? { country: values.country } : {}),
        ...(values.languages !== undefined ? { languages: values.languages } : {}),
        ...(values.demographics !== undefined
          ? { demographics: values.demographics === null ? null : JSON.stringify(values.demographics) }
          : {}),
        updated_at: new Date(),
      })
      .where('id', '=', userId)
      .execute();
  }

  /** Records consent to `version`, replacing a live consent to an older version (which is kept as withdrawn). */
  async giveConsent(userId: string, version: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('rater_consents')
        .set({ withdrawn_at: sql`now()` })
        .where('user_id', '=', userId)
        .where('kind', '=', CONSENT_KIND)
        .where('withdrawn_at', 'is', null)
        .where('version', '<>', version)
        .execute();
      await sql`
        INSERT INTO rater_consents (user_id, kind, version) VALUES (${userId}, ${CONSENT_KIND}, ${version})
        ON CONFLICT (user_id, kind) WHERE withdrawn_at IS NULL DO NOTHING`.execute(tx);
    });
  }

  /** Withdraws the live consent and deletes the demographics given under it, in one transaction. */
  async withdrawConsent(userId: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('rater_consents')
        .set({ withdrawn_at: sql`now()` })
        .where('user_id', '=', userId)
        .where('kind', '=', CONSENT_KIND)
        .where('withdrawn_at', 'is', null)
        .execute();
      await tx
        .updateTable('users')
        .set({ demographics: null, updated_at: new Date() })
        .where('id', '=', userId)
        .execute();
    });
  }

  /** The caller's judgments, newest first, keyset-paged by seq. */
  async judgments(userId: string, limit: number, before?: string): Promise<MyJudgmentRow[]> {
    const result = await sql<MyJudgmentRow>`
      SELECT j.id, j.seq::text AS seq, j.task_id, t.name AS task_name, p.prompt, j.choice, t.scale_points,
        j.rationale, j.flags, j.time_ms, j.created_at
      FROM judgments j JOIN tasks t ON t.id = j.task_id JOIN pairs p ON p.id = j.pair_id
      WHERE j.rater_id = ${userId} ${before !== undefined ? sql`AND j.seq < ${before}::bigint` : sql``}
      ORDER BY j.seq DESC
      LIMIT ${limit}`.execute(this.db);
    return result.rows;
  }

  async stats(
    userId: string,
    taskId?: string,
  ): Promise<{ judgments: number; judged_today: number; median_time_ms: number | null; skips: number }> {
    const inTask = (alias: string) => (taskId ? sql`AND ${sql.ref(`${alias}.task_id`)} = ${taskId}` : sql``);
    const result = await sql<{ judgments: number; judged_today: number; median_time_ms: number | null; skips: number }>`
      SELECT count(*)::int AS judgments,
        count(*) FILTER (WHERE j.created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')::int AS judged_today,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY j.time_ms) AS median_time_ms,
        (SELECT count(*) FROM assignments a WHERE a.rater_id = ${userId} AND a.status = 'skipped' ${inTask('a')})::int AS skips
      FROM judgments j
      WHERE j.rater_id = ${userId} ${inTask('j')}`.execute(this.db);
    return result.rows[0]!;
  }
}
