import { sql, type Transaction } from 'kysely';
import type { Database } from '../../db/database.js';
import type { DB } from '../../db/schema.js';

type Tx = Transaction<DB>;

export interface LeaseView {
  id: string;
  task_id: string;
  pair_id: string;
  rater_id: string;
  shown_a_first: boolean;
  status: string;
  expires_at: Date;
  live: boolean;
}

export interface ExpiredLease {
  id: string;
  task_id: string;
  rater_id: string;
}

const leaseColumns = [
  'assignments.id',
  'assignments.task_id',
  'assignments.pair_id',
  'assignments.rater_id',
  'assignments.shown_a_first',
  'assignments.status',
  'assignments.expires_at',
  sql<boolean>`assignments.status = 'leased' AND assignments.expires_at > now()`.as('live'),
] as const;

export class AssignmentRepository {
  constructor(readonly db: Database) {}

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  findLiveLease(tx: Tx | Database, raterId: string, taskId: string): Promise<LeaseView | undefined> {
    return tx
      .selectFrom('assignments')
      .select(leaseColumns)
      .where('rater_id', '=', raterId)
      .where('task_id', '=', taskId)
      .where('status', '=', 'leased')
      .where('expires_at', '>', sql<Date>`now()`)
      .executeTakeFirst();
  }

  /** Locks the assignment row: every state change of one assignment is serialised here. */
  lockAssignment(tx: Tx, id: string): Promise<LeaseView | undefined> {
    return tx.selectFrom('assignments').select(leaseColumns).where('id', '=', id).forUpdate().executeTakeFirst();
  }

  /**
   * Ends leases past their expiry and gives their slots back to the pairs. Rows another transaction holds are
   * skipped (it is submitting or skipping them), so concurrent reclaimers on any node never count a lease twice.
   */
  async reclaimExpired(tx: Tx, taskId?: string): Promise<ExpiredLease[]> {
    const expired = await sql<ExpiredLease & { pair_id: string }>`
      WITH due AS (
        SELECT id FROM assignments
        WHERE status = 'leased' AND expires_at <= now() ${taskId ? sql`AND task_id = ${taskId}` : sql``}
        ORDER BY expires_at
        LIMIT 1000
        FOR UPDATE SKIP LOCKED
      )
      UPDATE assignments a SET status = 'expired', finished_at = now()
      FROM due WHERE a.id = due.id
      RETURNING a.id, a.task_id, a.rater_id, a.pair_id`.execute(tx);
    if (expired.rows.length > 0) {
      await sql`
        UPDATE pairs p SET lease_count = p.lease_count - x.n
        FROM (SELECT pair_id, count(*)::int AS n FROM unnest(${expired.rows.map((r) => r.pair_id)}::uuid[]) AS pair_id GROUP BY 1) x
        WHERE p.id = x.pair_id`.execute(tx);
    }
    return expired.rows.map(({ id, task_id, rater_id }) => ({ id, task_id, rater_id }));
  }

  /**
   * Picks and locks a pair this rater has not met that still has a free slot (judgments + live leases < target).
   * SKIP LOCKED hands concurrent raters different rows; the locked row's slot condition is re-checked by
   * PostgreSQL after the lock, so a pair can never be over-leased. Pairs already under way come first.
   */
  async lockOpenPair(tx: Tx, taskId: string, raterId: string, target: number): Promise<{ id: string } | undefined> {
    const result = await sql<{ id: string }>`
      SELECT p.id FROM pairs p
      WHERE p.task_id = ${taskId}
        AND p.judgment_count + p.lease_count < ${target}
        AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.rater_id = ${raterId} AND a.pair_id = p.id)
      ORDER BY (p.judgment_count + p.lease_count > 0) DESC, random()
      LIMIT 1
      FOR UPDATE OF p SKIP LOCKED`.execute(tx);
    return result.rows[0];
  }

  /** How often A has been shown on the left and on the right for this pair so far. */
  async sideCounts(tx: Tx, pairId: string): Promise<{ aLeft: number; aRight: number }> {
    const row = await tx
      .selectFrom('assignments')
      .where('pair_id', '=', pairId)
      .where('status', '<>', 'expired')
      .select([
        sql<number>`count(*) FILTER (WHERE shown_a_first)`.as('aLeft'),
        sql<number>`count(*) FILTER (WHERE NOT shown_a_first)`.as('aRight'),
      ])
      .executeTakeFirstOrThrow();
    return row;
  }

  async insertLease(
    tx: Tx,
    values: { taskId: string; pairId: string; raterId: string; shownAFirst: boolean; leaseSeconds: number },
  ): Promise<LeaseView> {
    const row = await tx
      .insertInto('assignments')
      .values({
        task_id: values.taskId,
        pair_id: values.pairId,
        rater_id: values.raterId,
        shown_a_first: values.shownAFirst,
        expires_at: sql<Date>`now() + make_interval(secs => ${values.leaseSeconds})`,
      })
      .returning(['id'])
      .executeTakeFirstOrThrow();
    await tx
      .updateTable('pairs')
      .set({ lease_count: sql`lease_count + 1` })
      .where('id', '=', values.pairId)
      .execute();
    return (await this.lockAssignment(tx, row.id))!;
  }

  async finishLease(tx: Tx, lease: LeaseView, status: 'submitted' | 'skipped', skipReason?: string): Promise<void> {
    await tx
      .updateTable('assignments')
      .set({ status, finished_at: sql`now()`, ...(skipReason !== undefined ? { skip_reason: skipReason } : {}) })
      .where('id', '=', lease.id)
      .execute();
    await tx
      .updateTable('pairs')
      .set(
        status === 'submitted'
          ? { lease_count: sql`lease_count - 1`, judgment_count: sql`judgment_count + 1` }
          : { lease_count: sql`lease_count - 1` },
      )
      .where('id', '=', lease.pair_id)
      .execute();
  }

  findJudgmentByKey(tx: Tx | Database, key: string) {
    return tx.selectFrom('judgments').select(['id', 'rater_id']).where('idempotency_key', '=', key).executeTakeFirst();
  }

  async insertJudgment(
    tx: Tx,
    values: {
      lease: LeaseView;
      key: string;
      choice: number;
      preference: number;
      rationale: string | null;
      flags: string[];
      timeMs: number | null;
    },
  ): Promise<string> {
    const row = await tx
      .insertInto('judgments')
      .values({
        task_id: values.lease.task_id,
        pair_id: values.lease.pair_id,
        rater_id: values.lease.rater_id,
        assignment_id: values.lease.id,
        idempotency_key: values.key,
        choice: values.choice,
        preference: values.preference,
        shown_a_first: values.lease.shown_a_first,
        rationale: values.rationale,
        flags: values.flags,
        time_ms: values.timeMs,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  findPair(tx: Tx | Database, pairId: string) {
    return tx
      .selectFrom('pairs')
      .select(['id', 'prompt', 'response_a', 'response_b'])
      .where('id', '=', pairId)
      .executeTakeFirstOrThrow();
  }

  async hasIncompletePairs(taskId: string, target: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('pairs')
      .select('id')
      .where('task_id', '=', taskId)
      .where('judgment_count', '<', target)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Per active task: judgments this rater made, and pairs still open to them. */
  async raterTaskCounts(
    raterId: string,
    taskIds: string[],
  ): Promise<Map<string, { judgedByMe: number; available: number }>> {
    if (taskIds.length === 0) return new Map();
    const rows = await sql<{ task_id: string; judged_by_me: number; available: number }>`
      SELECT t.id AS task_id,
        (SELECT count(*) FROM judgments j WHERE j.task_id = t.id AND j.rater_id = ${raterId})::int AS judged_by_me,
        (SELECT count(*) FROM pairs p WHERE p.task_id = t.id
           AND p.judgment_count + p.lease_count < t.judgments_per_pair
           AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.rater_id = ${raterId} AND a.pair_id = p.id))::int AS available
      FROM tasks t WHERE t.id = ANY(${taskIds}::uuid[])`.execute(this.db);
    return new Map(rows.rows.map((r) => [r.task_id, { judgedByMe: r.judged_by_me, available: r.available }]));
  }
}
