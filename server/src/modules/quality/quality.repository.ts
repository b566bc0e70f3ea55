import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '../../db/database.js';
import type { DB } from '../../db/schema.js';
import type { BattleCounts } from '../../quality/bradley-terry.js';
import type { CoincidenceEntry } from '../../quality/krippendorff.js';
import type { Sign } from '../../quality/raters.js';

/** How raters fall into groups: by country, by language (a rater is in each of their languages) or by an attribute. */
export type RaterGrouping = { kind: 'country' } | { kind: 'language' } | { kind: 'attribute'; key: string };

/** `country`, `language`/`languages`, or any other name as a key of the rater's `attributes` (as quotas do). */
export function parseGrouping(by: string): RaterGrouping {
  if (by === 'country') return { kind: 'country' };
  if (by === 'language' || by === 'languages') return { kind: 'language' };
  return { kind: 'attribute', key: by };
}

/**
 * Group keys travel as non-null text so they can be joined with `=`: '=' + the value, or '-' for raters without one.
 */
export function groupKey(value: string | null): string {
  return value === null ? '-' : `=${value}`;
}
export function groupValue(key: string): string | null {
  return key === '-' ? null : key.slice(1);
}

/** (rater_id, g) for every user, one row per group they are in. */
function raterGroups(grouping: RaterGrouping): RawBuilder<unknown> {
  const key = (value: RawBuilder<unknown>) => sql`CASE WHEN ${value} IS NULL THEN '-' ELSE '=' || ${value} END`;
  switch (grouping.kind) {
    case 'country':
      return sql`SELECT u.id AS rater_id, ${key(sql`u.country`)} AS g FROM users u`;
    case 'language':
      return sql`SELECT DISTINCT u.id AS rater_id, ${key(sql`l.value`)} AS g FROM users u
        CROSS JOIN LATERAL unnest(CASE WHEN cardinality(u.languages) = 0 THEN ARRAY[NULL::text] ELSE u.languages END)
          AS l(value)`;
    case 'attribute':
      return sql`SELECT u.id AS rater_id, ${key(sql`(u.attributes ->> ${grouping.key})`)} AS g FROM users u`;
  }
}

/** Judgments of a task, optionally labelled with their rater's group (`g`; '*' without a grouping). */
function taskJudgments(taskId: string, grouping: RaterGrouping | null): RawBuilder<unknown> {
  return grouping
    ? sql`SELECT j.pair_id, j.rater_id, j.preference, rg.g, p.gold, p.model_a, p.model_b FROM judgments j
        JOIN pairs p ON p.id = j.pair_id
        JOIN (${raterGroups(grouping)}) rg ON rg.rater_id = j.rater_id
        WHERE j.task_id = ${taskId}`
    : sql`SELECT j.pair_id, j.rater_id, j.preference, '*'::text AS g, p.gold, p.model_a, p.model_b FROM judgments j
        JOIN pairs p ON p.id = j.pair_id
        WHERE j.task_id = ${taskId}`;
}

export interface GroupedBattleCounts extends BattleCounts {
  group: string;
}
export interface GroupedCoincidence extends CoincidenceEntry {
  group: string;
}
export interface JudgmentRow {
  rater_id: string;
  choice: number;
  preference: number;
  time_ms: number | null;
  gold: string | null;
}
export interface LeaveOneOutCounts {
  rater_id: string;
  own: Sign;
  a: number;
  tie: number;
  b: number;
  n: number;
}

const FETCH_ROWS = 10_000;

/**
 * Reads for the quality figures, all inside one read-only REPEATABLE READ transaction so that every figure of a
 * response describes the same snapshot. Everything is aggregated in PostgreSQL except what needs the rows in order
 * (per-rater runs and medians) or per judgment (Dawid–Skene): those are streamed through a server-side cursor in
 * batches, so memory does not grow with the task.
 */
export class QualityReader {
  private cursors = 0;

  constructor(private readonly trx: Transaction<DB>) {}

  /** Streams a query's rows in batches through a cursor (no row limit, no second sort per page). */
  async scan<R>(query: RawBuilder<R>, onRows: (rows: R[]) => void): Promise<void> {
    const cursor = sql.id(`quality_scan_${++this.cursors}`);
    await sql`DECLARE ${cursor} NO SCROLL CURSOR FOR ${query}`.execute(this.trx);
    for (;;) {
      const { rows } = await sql<R>`FETCH ${sql.raw(String(FETCH_ROWS))} FROM ${cursor}`.execute(this.trx);
      if (rows.length > 0) onRows(rows);
      if (rows.length < FETCH_ROWS) break;
    }
    await sql`CLOSE ${cursor}`.execute(this.trx);
  }

  async userExists(id: string): Promise<boolean> {
    return !!(await this.trx.selectFrom('users').select('id').where('id', '=', id).executeTakeFirst());
  }

  /** Win/tie counts per model pairing (and group) over non-gold judgments whose pair names two different models. */
  async battleCounts(
    taskId: string,
    grouping: RaterGrouping | null,
    onlyGroup?: string,
  ): Promise<GroupedBattleCounts[]> {
    const { rows } = await sql<GroupedBattleCounts>`
      SELECT j.g AS "group", j.model_a AS "modelA", j.model_b AS "modelB",
             count(*) FILTER (WHERE j.preference < 0)::int AS "winsA",
             count(*) FILTER (WHERE j.preference > 0)::int AS "winsB",
             count(*) FILTER (WHERE j.preference = 0)::int AS ties
      FROM (${taskJudgments(taskId, grouping)}) j
      WHERE j.gold IS NULL AND j.model_a IS NOT NULL AND j.model_b IS NOT NULL AND j.model_a <> j.model_b
        ${onlyGroup !== undefined ? sql`AND j.g = ${onlyGroup}` : sql``}
      GROUP BY 1, 2, 3
      ORDER BY 1, 2, 3`.execute(this.trx);
    return rows;
  }

  /**
   * Krippendorff's coincidence matrix per group (as in the progress module, with a group key): within each group,
   * for each pair with m ≥ 2 of the group's judgments, every ordered pair of values from different raters adds
   * 1/(m − 1). Gold pairs are left out. `sign` folds preferences to −1/0/1.
   */
  async coincidences(taskId: string, grouping: RaterGrouping | null, sign: boolean): Promise<GroupedCoincidence[]> {
    const value = sign ? sql`sign(j.preference)::int` : sql`j.preference`;
    const { rows } = await sql<GroupedCoincidence>`
      WITH counts AS (
        SELECT j.g, j.pair_id, ${value} AS v, count(*)::float8 AS n
        FROM (${taskJudgments(taskId, grouping)}) j WHERE j.gold IS NULL GROUP BY 1, 2, 3
      ), units AS (
        SELECT g, pair_id, sum(n) AS m FROM counts GROUP BY 1, 2 HAVING sum(n) >= 2
      )
      SELECT c1.g AS "group", c1.v AS c, c2.v AS k,
             sum(c1.n * (c2.n - CASE WHEN c1.v = c2.v THEN 1 ELSE 0 END) / (u.m - 1))::float8 AS o
      FROM counts c1
      JOIN counts c2 ON c2.g = c1.g AND c2.pair_id = c1.pair_id
      JOIN units u ON u.g = c1.g AND u.pair_id = c1.pair_id
      GROUP BY 1, 2, 3`.execute(this.trx);
    return rows;
  }

  /** Non-gold judgments and distinct raters per group. */
  async groupSizes(
    taskId: string,
    grouping: RaterGrouping,
  ): Promise<Array<{ group: string; judgments: number; raters: number }>> {
    const { rows } = await sql<{ group: string; judgments: number; raters: number }>`
      SELECT j.g AS "group", count(*)::int AS judgments, count(DISTINCT j.rater_id)::int AS raters
      FROM (${taskJudgments(taskId, grouping)}) j WHERE j.gold IS NULL
      GROUP BY 1 ORDER BY 1`.execute(this.trx);
    return rows;
  }

  /** Every judgment of a task, rater by rater, each rater's in the order made. */
  scanTaskJudgments(taskId: string, onRows: (rows: JudgmentRow[]) => void): Promise<void> {
    return this.scan(
      sql<JudgmentRow>`
        SELECT j.rater_id, j.choice, j.preference, j.time_ms, p.gold
        FROM judgments j JOIN pairs p ON p.id = j.pair_id
        WHERE j.task_id = ${taskId}
        ORDER BY j.rater_id, j.created_at, j.seq`,
      onRows,
    );
  }

  /** One rater's judgments (in one task, or all), in the order made. */
  scanRaterJudgments(
    raterId: string,
    taskId: string | undefined,
    onRows: (rows: JudgmentRow[]) => void,
  ): Promise<void> {
    return this.scan(
      sql<JudgmentRow>`
        SELECT j.rater_id, j.choice, j.preference, j.time_ms, p.gold
        FROM judgments j JOIN pairs p ON p.id = j.pair_id
        WHERE j.rater_id = ${raterId} ${taskId ? sql`AND j.task_id = ${taskId}` : sql``}
        ORDER BY j.created_at, j.seq`,
      onRows,
    );
  }

  /**
   * Leave-one-out vote counts, aggregated: per rater, how many non-gold pairs they judged with sign `own` while the
   * pair's other raters voted (a, tie, b). Pairs without another judgment are left out.
   */
  async leaveOneOutForTask(taskId: string): Promise<LeaveOneOutCounts[]> {
    const { rows } = await sql<LeaveOneOutCounts>`
      WITH js AS (
        SELECT j.pair_id, j.rater_id, sign(j.preference)::int AS s
        FROM judgments j JOIN pairs p ON p.id = j.pair_id
        WHERE j.task_id = ${taskId} AND p.gold IS NULL
      ), votes AS (
        SELECT pair_id, count(*) FILTER (WHERE s < 0)::int AS a, count(*) FILTER (WHERE s = 0)::int AS tie,
               count(*) FILTER (WHERE s > 0)::int AS b
        FROM js GROUP BY pair_id HAVING count(*) >= 2
      )
      SELECT js.rater_id, js.s AS own, v.a - (js.s < 0)::int AS a, v.tie - (js.s = 0)::int AS tie,
             v.b - (js.s > 0)::int AS b, count(*)::int AS n
      FROM js JOIN votes v USING (pair_id)
      GROUP BY 1, 2, 3, 4, 5`.execute(this.trx);
    return rows;
  }

  /** The same for one rater, over one task or all of them. */
  async leaveOneOutForRater(raterId: string, taskId: string | undefined): Promise<LeaveOneOutCounts[]> {
    const { rows } = await sql<LeaveOneOutCounts>`
      WITH mine AS (
        SELECT j.pair_id, sign(j.preference)::int AS s
        FROM judgments j JOIN pairs p ON p.id = j.pair_id
        WHERE j.rater_id = ${raterId} AND p.gold IS NULL ${taskId ? sql`AND j.task_id = ${taskId}` : sql``}
      ), others AS (
        SELECT o.pair_id, count(*) FILTER (WHERE o.preference < 0)::int AS a,
               count(*) FILTER (WHERE o.preference = 0)::int AS tie, count(*) FILTER (WHERE o.preference > 0)::int AS b
        FROM judgments o JOIN mine USING (pair_id)
        WHERE o.rater_id <> ${raterId}
        GROUP BY o.pair_id
      )
      SELECT ${raterId}::uuid AS rater_id, mine.s AS own, others.a, others.tie, others.b, count(*)::int AS n
      FROM mine JOIN others USING (pair_id)
      GROUP BY 2, 3, 4, 5`.execute(this.trx);
    return rows;
  }

  /**
   * (rater, pair, sign) for Dawid–Skene, streamed rater by rater: pairs come as dense indices (0..pairs−1), signs as
   * class indices (0 = A, 1 = tie, 2 = B). Gold pairs are left out.
   */
  scanSignTriples(
    taskId: string,
    onRows: (rows: Array<{ rater_id: string; item: number; label: number }>) => void,
  ): Promise<void> {
    return this.scan(
      sql<{ rater_id: string; item: number; label: number }>`
        SELECT j.rater_id, (dense_rank() OVER (ORDER BY j.pair_id) - 1)::int AS item,
               (sign(j.preference) + 1)::int AS label
        FROM judgments j JOIN pairs p ON p.id = j.pair_id
        WHERE j.task_id = ${taskId} AND p.gold IS NULL
        ORDER BY j.rater_id`,
      onRows,
    );
  }

  /** The raters with a judgment in the task. */
  taskRaters(taskId: string): Promise<Array<{ id: string; display_name: string; country: string | null }>> {
    return this.trx
      .selectFrom('users')
      .select(['id', 'display_name', 'country'])
      .where('id', 'in', (eb) => eb.selectFrom('judgments').select('rater_id').where('task_id', '=', taskId))
      .orderBy('display_name')
      .orderBy('id')
      .execute();
  }
}

export class QualityRepository {
  constructor(private readonly db: Database) {}

  /** Runs `fn` against one consistent, read-only snapshot. */
  snapshot<T>(fn: (reader: QualityReader) => Promise<T>): Promise<T> {
    return this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute((trx) => fn(new QualityReader(trx)));
  }
}
