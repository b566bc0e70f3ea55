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

  /** Counts from the pair counters, which change in the same transactions as the rows they count. */
  async counts(taskId: string): Promise<ProgressCounts> {
    const row = await this.db
      .selectFrom('pairs')
      .innerJoin('tasks', 'tasks.id', 'pairs.task_id')
      .where('pairs.task_id', '=', taskId)
      .select((eb) => [
        eb.fn.countAll<number>().as('pairs'),
        eb.fn.coalesce(eb.fn.sum<number>('pairs.judgment_count'), eb.lit(0)).as('judgments'),
        sql<number>`count(*) FILTER (WHERE pairs.judgment_count >= tasks.judgments_per_pair)`.as('completePairs'),
      ])
      .executeTakeFirstOrThrow();
    const leases = await this.db
      .selectFrom('assignments')
      .where('task_id', '=', taskId)
      .where('status', '=', 'leased')
      .where('expires_at', '>', sql<Date>`now()`)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return {
      pairs: row.pairs,
      judgments: Number(row.judgments),
      completePairs: row.completePairs,
      activeLeases: leases.n,
    };
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
    const value = sign ? sql`sign(preference)::int` : sql`preference`;
    const result = await sql<CoincidenceEntry>`
      WITH counts AS (
        SELECT pair_id, ${value} AS v, count(*)::float8 AS n FROM judgments WHERE task_id = ${taskId} GROUP BY 1, 2
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
