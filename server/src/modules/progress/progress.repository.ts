import { sql } from 'kysely';
import type { Database } from '../../db/database.js';
import type { CoincidenceEntry } from '../../quality/krippendorff.js';

export interface ProgressCounts {
  pairs: number;
  judgments: number;
  completePairs: number;
  activeLeases: number;
}

export class ProgressRepository {
  constructor(private readonly db: Database) {}

  /** From the sharded task counters (see the task_counters migration), kept in the statements that change them. */
  async counts(taskId: string): Promise<ProgressCounts> {
    const counters = await this.db
      .selectFrom('task_counters')
      .where('task_id', '=', taskId)
      .select([
        sql<number>`coalesce(sum(pairs), 0)::int`.as('pairs'),
        sql<number>`coalesce(sum(judgments), 0)::int`.as('judgments'),
        sql<number>`coalesce(sum(complete_pairs), 0)::int`.as('completePairs'),
      ])
      .executeTakeFirstOrThrow();
    const leases = await this.db
      .selectFrom('assignments')
      .where('task_id', '=', taskId)
      .where('status', '=', 'leased')
      .where('expires_at', '>', sql<Date>`now()`)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return { ...counters, activeLeases: leases.n };
  }

  /**
   * The live pace: judgments in each of the last `minutes` whole minutes (oldest first, the current one last), and
   * the raters active now (a live lease, or a judgment in the last 2 minutes). Reads the judgments_task_created index.
   */
  async pace(
    taskId: string,
    minutes: number,
  ): Promise<{ perMinute: number[]; activeRaters: number; judgmentsTotal: number }> {
    // The task's judgment total from the same snapshot as the series: a caller that adds later judgments to the
    // series (ProgressService.paceOf) counts from it, so a judgment committed between two reads is not added twice.
    const perMinute = await sql<{ ago: number | null; n: number; total: number }>`
      WITH recent AS (
        SELECT floor(extract(epoch FROM date_trunc('minute', now()) - date_trunc('minute', created_at)) / 60)::int AS ago,
               count(*)::int AS n
        FROM judgments
        WHERE task_id = ${taskId} AND created_at >= date_trunc('minute', now()) - make_interval(mins => ${minutes - 1})
        GROUP BY 1)
      SELECT r.ago, coalesce(r.n, 0) AS n,
             (SELECT coalesce(sum(judgments), 0)::int FROM task_counters WHERE task_id = ${taskId}) AS total
      FROM (SELECT 1) one LEFT JOIN recent r ON true`.execute(this.db);
    const active = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM (
        SELECT rater_id FROM assignments
        WHERE task_id = ${taskId} AND status = 'leased' AND expires_at > now()
        UNION
        SELECT rater_id FROM judgments WHERE task_id = ${taskId} AND created_at > now() - interval '2 minutes'
      ) r`.execute(this.db);
    const series = Array.from({ length: minutes }, () => 0);
    for (const { ago, n } of perMinute.rows)
      if (ago !== null && ago >= 0 && ago < minutes) series[minutes - 1 - ago] = n;
    return { perMinute: series, activeRaters: active.rows[0]?.n ?? 0, judgmentsTotal: perMinute.rows[0]?.total ?? 0 };
  }

  async redundancy(taskId: string) {
    return this.db
      .selectFrom('tasks')
      .where('id', '=', taskId)
      .select(['judgments_per_pair', 'min_judgments', 'max_judgments'])
      .executeTakeFirst();
  }

  /** Judgments all pairs need at their current targets (a judgment past a lowered target counts as needed). */
  async targetJudgments(taskId: string): Promise<number> {
    const row = await this.db
      .selectFrom('pairs')
      .where('task_id', '=', taskId)
      .where('gold', 'is', null)
      .select(sql<number>`coalesce(sum(greatest(target, judgment_count)), 0)::int`.as('n'))
      .executeTakeFirstOrThrow();
    return row.n;
  }

  async goldJudgments(taskId: string): Promise<number> {
    const row = await this.db
      .selectFrom('judgments')
      .innerJoin('assignments', 'assignments.id', 'judgments.assignment_id')
      .where('judgments.task_id', '=', taskId)
      .where('assignments.is_gold', '=', true)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return row.n;
  }

  async pausedRaters(taskId: string): Promise<number> {
    const row = await this.db
      .selectFrom('task_raters')
      .where('task_id', '=', taskId)
      .where('status', '=', 'paused')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return row.n;
  }

  /** Per quota group: its judgments, and the pairs where it has at least its required number. */
  async quotaCoverage(taskId: string, groups: Record<string, number>) {
    const result = await sql<{ group: string; judgments: number; pairs_met: number }>`
      WITH per_pair AS (
        SELECT a.quota_group, a.pair_id, count(*)::int AS n
        FROM assignments a JOIN pairs p ON p.id = a.pair_id
        WHERE a.task_id = ${taskId} AND a.status = 'submitted' AND a.quota_group IS NOT NULL AND p.gold IS NULL
        GROUP BY 1, 2
      )
      SELECT g.key AS group,
        coalesce(sum(pp.n), 0)::int AS judgments,
        count(pp.pair_id) FILTER (WHERE pp.n >= g.value::int)::int AS pairs_met
      FROM jsonb_each_text(${JSON.stringify(groups)}::jsonb) g
      LEFT JOIN per_pair pp ON pp.quota_group = g.key
      GROUP BY g.key ORDER BY g.key`.execute(this.db);
    return result.rows.map((r) => ({
      group: r.group,
      required: groups[r.group]!,
      pairsMet: r.pairs_met,
      judgments: r.judgments,
    }));
  }

  /** Judgments a fixed maxJudgments per pair would have cost beyond what the complete pairs actually took. */
  async adaptiveSavings(taskId: string, maxJudgments: number) {
    const row = await this.db
      .selectFrom('pairs')
      .where('task_id', '=', taskId)
      .where('gold', 'is', null)
      .select([
        sql<number>`coalesce(sum(${maxJudgments}::int - judgment_count) FILTER (WHERE judgment_count >= target), 0)::int`.as(
          'saved',
        ),
        sql<number>`(count(*) * ${maxJudgments}::int)::int`.as('fixedMaximum'),
      ])
      .executeTakeFirstOrThrow();
    return { savedJudgments: row.saved, fixedMaximumJudgments: row.fixedMaximum };
  }

  async judgmentSummary(taskId: string) {
    return this.db
      .selectFrom('judgments')
      .where('task_id', '=', taskId)
      .select([
        sql<number>`count(DISTINCT rater_id)`.as('raters'),
        sql<number>`count(*) FILTER (WHERE choice <> 0)`.as('nonTie'),
        sql<number>`count(*) FILTER (WHERE choice < 0)`.as('left'),
      ])
      .executeTakeFirstOrThrow();
  }

  async skips(taskId: string): Promise<number> {
    const row = await this.db
      .selectFrom('assignments')
      .where('task_id', '=', taskId)
      .where('status', '=', 'skipped')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return row.n;
  }

  async preferenceCounts(taskId: string): Promise<Array<{ preference: number; n: number }>> {
    return this.db
      .selectFrom('judgments')
      .where('task_id', '=', taskId)
      .select((eb) => ['preference', eb.fn.countAll<number>().as('n')])
      .groupBy('preference')
      .orderBy('preference')
      .execute();
  }

  /**
   * Krippendorff's coincidence matrix over a task's judgments, built in the database: for each pair with m ≥ 2
   * judgments, every ordered pair of values from different raters adds 1/(m − 1). `sign` folds values to −1/0/1.
   */
  async coincidences(taskId: string, sign: boolean): Promise<CoincidenceEntry[]> {
    const value = sign ? sql`sign(j.preference)::int` : sql`j.preference`;
    const result = await sql<CoincidenceEntry>`
      WITH counts AS (
        SELECT j.pair_id, ${value} AS v, count(*)::float8 AS n
        FROM judgments j JOIN pairs p ON p.id = j.pair_id
        WHERE j.task_id = ${taskId} AND p.gold IS NULL GROUP BY 1, 2
      ), units AS (
        SELECT pair_id, sum(n) AS m FROM counts GROUP BY 1 HAVING sum(n) >= 2
      )
      SELECT c1.v AS c, c2.v AS k,
             sum(c1.n * (c2.n - CASE WHEN c1.v = c2.v THEN 1 ELSE 0 END) / (units.m - 1))::float8 AS o
      FROM counts c1 JOIN counts c2 USING (pair_id) JOIN units USING (pair_id)
      GROUP BY 1, 2`.execute(this.db);
    return result.rows;
  }
}
