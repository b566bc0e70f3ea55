import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { JudgmentSignals } from '@anchor/shared';
import { prepared, type Database } from '../../db/database.js';
import type { DB, Json } from '../../db/schema.js';
import type { TaskRow } from '../tasks/task.repository.js';
import type { UserRow } from '../users/user.repository.js';

type Tx = Transaction<DB>;

export type AssignmentOrder = 'finish_first' | 'random';

/** The quota facts the lease query needs: the rater's group (null: none) and every group's reservation. */
export interface QuotaFilter {
  group: string | null;
  groups: Record<string, number>;
}

/** A lease with what the rater is shown: the pair's prompt and both responses. */
export interface LeaseWithPair {
  id: string;
  pair_id: string;
  shown_a_first: boolean;
  expires_at: Date;
  prompt: Json;
  response_a: string;
  response_b: string;
  /** The pair's `language` tag (a BCP 47 tag such as `ar`), when its importer gave one. */
  language: string | null;
}

/** The rater's facts that decide what they may judge. */
export type RaterProfile = Pick<UserRow, 'id' | 'status' | 'country' | 'languages' | 'attributes'>;

/**
 * A row's version: its `xmin`, which every UPDATE of the row changes (a new row version gets the updating
 * transaction's id) and row locks do not. A statement guarded by "still this version" finds the row as it was read.
 */
export type RowVersion = string;

/** The rater's and the task's rows as a lease statement may assume them (see leasePair's `unchanged`). */
export interface UnchangedRows {
  rater: RowVersion;
  task: RowVersion;
}

/** One rater's lease in a batch (see leasePairs). */
export interface LeaseRequest {
  raterId: string;
  unchanged: UnchangedRows;
}

export interface NextContext {
  rater: RaterProfile;
  raterVersion: RowVersion;
  task: TaskRow | undefined;
  taskVersion: RowVersion | null;
  /** The rater's live lease in the task, with its pair. */
  held: LeaseWithPair | undefined;
  /** Paused in this task (gold accuracy, or an admin). */
  paused: boolean;
}

/** nextContext's row: the task's columns (null without the task), then the rater's and the held lease's. */
type NextContextRow = { [K in keyof TaskRow]: TaskRow[K] | null } & {
  rater_status: string;
  rater_country: string | null;
  rater_languages: string[];
  rater_attributes: Json;
  rater_paused: boolean;
  rater_version: RowVersion;
  task_version: RowVersion | null;
  held_id: string | null;
  held_pair_id: string | null;
  held_shown_a_first: boolean | null;
  held_expires_at: Date | null;
  held_prompt: Json | null;
  held_response_a: string | null;
  held_response_b: string | null;
  held_language: string | null;
};

/** An assignment locked for a judgment or a skip, with the task settings that decide what follows. */
export interface LockedLease {
  id: string;
  task_id: string;
  pair_id: string;
  rater_id: string;
  shown_a_first: boolean;
  status: string;
  is_gold: boolean;
  quota_group: string | null;
  live: boolean;
  task_status: string;
  scale_points: number;
  min_judgments: number | null;
  max_judgments: number | null;
  gold_min_accuracy: number | null;
  gold_min_answers: number;
  gold: string | null;
  /** The task's per-criterion ratings and rationale rule (null: none, and optional). */
  criteria: Json | null;
  rationale: Json | null;
}

/** A judgment recordJudgments wrote, with its pair's judgment count and target after the statement. */
export interface RecordedJudgment {
  judgmentId: string;
  judgmentCount: number;
  target: number;
}

/** A judgment for recordJudgments: the lease it answers and the checked values. */
export interface JudgmentToRecord {
  lease: LockedLease;
  key: string;
  choice: number;
  preference: number;
  rationale: string | null;
  flags: string[];
  timeMs: number | null;
  criteria: Record<string, number> | null;
  signals: JudgmentSignals;
  /** Write only while the task row is still this version (the settings the judgment was checked against). */
  taskVersion?: RowVersion;
}

export interface ExpiredLease {
  id: string;
  task_id: string;
  rater_id: string;
}

/**
 * Every query of the assignment engine. The hot paths are few statements on purpose: a lease is one statement, a
 * judgment a lock and one write, because on a small machine round trips, not rows, set the throughput.
 */
export class AssignmentRepository {
  constructor(readonly db: Database) {}

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  /**
   * Everything `assignment:next` decides on, in one round trip: the rater's standing and profile, the task, the
   * rater's live lease in it (with its pair) and whether they are paused there. Undefined when the rater does not exist.
   * The lease is looked up by exactly the columns of the unique live-lease index, and its expiry is checked after: with
   * `expires_at > now()` in the join, a generic plan made while the table was small read the expiry index and
   * filtered every live lease instead (2,000 to 10,000 a call in bench (c)).
   */
  async nextContext(raterId: string, taskId: string): Promise<NextContext | undefined> {
    const result = await prepared(
      sql<NextContextRow>`
      SELECT t.*, u.status AS rater_status, u.country AS rater_country, u.languages AS rater_languages,
        u.attributes AS rater_attributes, u.xmin::text AS rater_version, t.xmin::text AS task_version, CASE WHEN a.expires_at > now() THEN a.id END AS held_id, a.pair_id AS held_pair_id, a.shown_a_first AS held_shown_a_first,
        a.expires_at AS held_expires_at, p.prompt AS held_prompt, p.response_a AS held_response_a,
        p.response_b AS held_response_b, p.tags ->> 'language' AS held_language,
        EXISTS (SELECT 1 FROM task_raters tr WHERE tr.task_id = ${taskId} AND tr.rater_id = u.id AND tr.status = 'paused') AS rater_paused
      FROM users u
      LEFT JOIN tasks t ON t.id = ${taskId}
      LEFT JOIN assignments a ON a.task_id = ${taskId} AND a.rater_id = ${raterId} AND a.status = 'leased'
      LEFT JOIN pairs p ON p.id = a.pair_id
      WHERE u.id = ${raterId}`,
    ).execute(this.db);
    const row = result.rows[0];
    if (!row) return undefined;
    const {
      rater_status,
      rater_country,
      rater_languages,
      rater_attributes,
      rater_paused,
      rater_version,
      task_version,
      ...rest
    } = row;
    const {
      held_id,
      held_pair_id,
      held_shown_a_first,
      held_expires_at,
      held_prompt,
      held_response_a,
      held_response_b,
      held_language,
      ...task
    } = rest;
    return {
      rater: {
        id: raterId,
        status: rater_status,
        country: rater_country,
        languages: rater_languages,
        attributes: rater_attributes,
      },
      raterVersion: rater_version,
      task: task.id === null ? undefined : (task as TaskRow),
      taskVersion: task_version,
      held:
        held_id === null
          ? undefined
          : {
              id: held_id,
              pair_id: held_pair_id!,
              shown_a_first: held_shown_a_first!,
              expires_at: held_expires_at!,
              prompt: held_prompt!,
              response_a: held_response_a!,
              response_b: held_response_b!,
              language: held_language,
            },
      paused: rater_paused,
    };
  }

  /**
   * Ends leases past their expiry and gives their slots back to the pairs, in one statement. Rows another
   * transaction holds are skipped (it is submitting or skipping them), so concurrent reclaimers on any node never
   * count a lease twice.
   */
  async reclaimExpired(): Promise<ExpiredLease[]> {
    const result = await sql<ExpiredLease>`
      WITH due AS (
        SELECT id FROM assignments
        WHERE status = 'leased' AND expires_at <= now()
        ORDER BY expires_at
        LIMIT ${RECLAIM_BATCH}
        FOR UPDATE SKIP LOCKED
      ), expired AS (
        UPDATE assignments a SET status = 'expired', finished_at = now()
        FROM due WHERE a.id = due.id
        RETURNING a.id, a.task_id, a.rater_id, a.pair_id, a.quota_group
      ), freed AS (
        SELECT pair_id, count(*)::int AS n FROM expired GROUP BY pair_id
      ), per_group AS (
        SELECT pair_id, quota_group, count(*)::int AS n FROM expired WHERE quota_group IS NOT NULL GROUP BY 1, 2
      ), released AS (
        UPDATE pairs p SET lease_count = p.lease_count - freed.n,
          group_counts = coalesce((
            SELECT p.group_counts || jsonb_object_agg(g.quota_group, greatest(coalesce((p.group_counts ->> g.quota_group)::int, 0) - g.n, 0))
            FROM per_group g WHERE g.pair_id = p.id), p.group_counts)
        FROM freed WHERE p.id = freed.pair_id
      )
      SELECT id, task_id, rater_id FROM expired`.execute(this.db);
    return result.rows;
  }

  /**
   * One statement: pick a pair, lock it, counterbalance the sides, insert the lease and take the slot.
   *
   * Work pairs: never met by this rater, a free slot (judgments + live leases < target), in the task's order. The
   * partial indexes hold open pairs in policy order, so this reads a few index entries, not the task. SKIP LOCKED hands
   * concurrent raters different rows, and PostgreSQL re-checks the slot condition on the locked row, so a pair is
   * never over-leased. Quotas: a rater in group g may take a slot while g is below its reservation, or while the
   * pair's free slots exceed what the other groups still have reserved; a rater in no group only takes unreserved
   * slots. Gold checks: any gold pair the rater has not seen; they take no slot and count toward no group.
   *
   * Sides: A goes on the side it has been shown less for this pair, a coin deciding a tie, so across a pair's raters
   * A is on the left half the time (within one).
   *
   * With `unchanged`, the statement also stands in for nextContext's read: it leases only while the rater and the
   * task rows are still the versions the caller decided on, the rater is active and not paused in the task, the task
   * is active, and the rater holds no lease in it; otherwise it writes nothing and returns undefined, as when no pair
   * is left.
   */
  async leasePair(args: {
    taskId: string;
    raterId: string;
    order: AssignmentOrder;
    leaseSeconds: number;
    quota: QuotaFilter | null;
    gold: boolean;
    unchanged?: UnchangedRows;
  }): Promise<LeaseWithPair | undefined> {
    const { taskId, raterId, quota, unchanged } = args;
    const candidates = args.gold
      ? sql`p.gold IS NOT NULL ORDER BY p.rand`
      : sql`${openSlot(quota)} ORDER BY ${policyOrder(args.order)}`;
    const group = args.gold ? null : (quota?.group ?? null);
    const mayLease = unchanged
      ? sql`AND ${unchangedRows(taskId, sql`${raterId}`, sql`${unchanged.rater}`, sql`${unchanged.task}`)}`
      : sql``;
    const result = await prepared(
      sql<LeaseWithPair>`
      WITH picked AS (
        SELECT p.id, p.prompt, p.response_a, p.response_b, p.tags ->> 'language' AS language FROM pairs p
        WHERE p.task_id = ${taskId} AND ${notMetBy(sql`${raterId}`)} ${mayLease}
          AND ${candidates}
        LIMIT 1
        FOR UPDATE OF p SKIP LOCKED
      ), lease AS (
        INSERT INTO assignments (task_id, pair_id, rater_id, shown_a_first, is_gold, quota_group, expires_at)
        SELECT ${taskId}::uuid, picked.id, ${raterId}::uuid, ${BALANCED_SIDE},
          ${args.gold}::boolean, ${group}::text, now() + make_interval(secs => ${args.leaseSeconds}::float8)
        FROM picked CROSS JOIN ${sidesOf(sql`picked.id`)}
        RETURNING id, pair_id, shown_a_first, expires_at
      ), slot AS (
        UPDATE pairs SET lease_count = lease_count + 1 ${group !== null ? sql`, group_counts = ${groupCountDelta(group, 1)}` : sql``}
        FROM lease WHERE pairs.id = lease.pair_id
      )
      SELECT lease.id, lease.pair_id, lease.shown_a_first, lease.expires_at, picked.prompt, picked.response_a, picked.response_b,
        picked.language
      FROM lease JOIN picked ON picked.id = lease.pair_id`,
    ).execute(this.db);
    return result.rows[0];
  }

  /**
   * leasePair with `unchanged` for several raters of one task at once (work pairs of a task without quotas), in one
   * statement and one commit: what a busy node does with the `assignment:next` requests that arrive together.
   *
   * Each rater whose rows are still as read and who may lease (as in leasePair) gets a different pair, and the pairs
   * are picked among those that no rater of the statement has met: one statement cannot skip its own locks, so giving
   * each rater a pair of their own, each with a free slot, is what keeps every pair within its target and every rater
   * off a pair they met. A rater that gets nothing here (a changed row, the same rater twice, fewer open pairs than
   * raters) gets undefined and goes the single way, which decides.
   */
  async leasePairs(args: {
    taskId: string;
    order: AssignmentOrder;
    leaseSeconds: number;
    raters: LeaseRequest[];
  }): Promise<Array<LeaseWithPair | undefined>> {
    const { taskId } = args;
    const input = args.raters.map((r, n) => ({
      n,
      rater_id: r.raterId,
      rater_version: r.unchanged.rater,
      task_version: r.unchanged.task,
    }));
    const result = await prepared(
      sql<LeaseWithPair & { n: number }>`
      WITH input AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(input)}::jsonb)
          AS i(n int, rater_id uuid, rater_version text, task_version text)
      ), ready AS (
        SELECT i.n, i.rater_id, row_number() OVER (ORDER BY i.n) AS k
        FROM (SELECT DISTINCT ON (rater_id) * FROM input ORDER BY rater_id, n) i
        WHERE ${unchangedRows(taskId, sql`i.rater_id`, sql`i.rater_version`, sql`i.task_version`)}
      ), picked AS (
        SELECT p.id, p.prompt, p.response_a, p.response_b, p.tags ->> 'language' AS language FROM pairs p
        WHERE p.task_id = ${taskId} AND ${notMetBy(sql`ANY (ARRAY(SELECT rater_id FROM ready))`)}
          AND ${openSlot(null)}
        ORDER BY ${policyOrder(args.order)}
        LIMIT (SELECT count(*) FROM ready)
        FOR UPDATE OF p SKIP LOCKED
      ), matched AS (
        SELECT ready.n, ready.rater_id, picked.*
        FROM (SELECT picked.*, row_number() OVER () AS k FROM picked) picked JOIN ready USING (k)
      ), lease AS (
        INSERT INTO assignments (task_id, pair_id, rater_id, shown_a_first, is_gold, quota_group, expires_at)
        SELECT ${taskId}::uuid, matched.id, matched.rater_id, ${BALANCED_SIDE},
          false, NULL, now() + make_interval(secs => ${args.leaseSeconds}::float8)
        FROM matched CROSS JOIN ${sidesOf(sql`matched.id`)}
        -- In rater order: two statements that share raters (one rater's tabs on two nodes) then meet on the same
        -- unique-index entry first, and one waits for the other instead of both waiting on each other.
        ORDER BY matched.rater_id
        RETURNING id, pair_id, shown_a_first, expires_at
      ), slot AS (
        UPDATE pairs SET lease_count = lease_count + 1 FROM lease WHERE pairs.id = lease.pair_id
      )
      SELECT matched.n, lease.id, lease.pair_id, lease.shown_a_first, lease.expires_at, matched.prompt,
        matched.response_a, matched.response_b, matched.language
      FROM lease JOIN matched ON matched.id = lease.pair_id`,
    ).execute(this.db);
    const leases: Array<LeaseWithPair | undefined> = args.raters.map(() => undefined);
    for (const { n, ...lease } of result.rows) leases[n] = lease;
    return leases;
  }

  /**
   * Locks an assignment (every state change of one assignment is serialised here) and reads, in the same round
   * trip, the task settings and gold answer that decide what a judgment sets off.
   */
  async lockLease(tx: Tx, id: string): Promise<LockedLease | undefined> {
    const result = await prepared(sql<LockedLease>`${leaseWithSettings(id)} FOR UPDATE OF a`).execute(tx);
    return result.rows[0];
  }

  /**
   * What a submission needs to be checked, read without a lock in one round trip: the assignment with its task's
   * settings, and the judgment already made with this idempotency key, if any. The write that follows re-checks the
   * lease's state itself (see recordJudgments).
   */
  async submissionContext(
    id: string,
    key: string,
  ): Promise<{ lease: LockedLease | undefined; existing: { id: string; rater_id: string } | undefined }> {
    const result = await prepared(
      sql<Partial<LockedLease> & { existing_id: string | null; existing_rater_id: string | null }>`
      SELECT l.*, k.id AS existing_id, k.rater_id AS existing_rater_id
      FROM (SELECT 1) one
      LEFT JOIN (${leaseWithSettings(id)}) l ON true
      LEFT JOIN judgments k ON k.idempotency_key = ${key}`,
    ).execute(this.db);
    const { existing_id, existing_rater_id, ...lease } = result.rows[0]!;
    return {
      lease: lease.id ? (lease as LockedLease) : undefined,
      existing: existing_id && existing_rater_id ? { id: existing_id, rater_id: existing_rater_id } : undefined,
    };
  }

  findJudgmentByKey(tx: Tx | Database, key: string) {
    return tx.selectFrom('judgments').select(['id', 'rater_id']).where('idempotency_key', '=', key).executeTakeFirst();
  }

  /**
   * One statement for any number of judgments: each lease marked submitted, its judgment stored (with its
   * per-criterion answers and the browser's signals), and its pair's slot turned into a judgment. Each lease's update
   * is guarded (still leased, not expired, this rater's, and with `taskVersion` the task row unchanged), so the
   * statement needs no lock taken before it: run on its own (autocommit), the pair and counter rows it updates are
   * locked only until its own commit, inside PostgreSQL, instead of for a round trip to a busy server. A judgment whose
   * guard fails is not written (a concurrent retry, skip or reclaim got there first) and comes back undefined; the
   * others are. Counter shards are locked in order, so concurrent statements never wait on each other in a cycle there.
   */
  async recordJudgments(
    db: Tx | Database,
    judgments: JudgmentToRecord[],
  ): Promise<Array<RecordedJudgment | undefined>> {
    const input = judgments.map((j, n) => ({
      n,
      assignment_id: j.lease.id,
      rater_id: j.lease.rater_id,
      task_id: j.lease.task_id,
      pair_id: j.lease.pair_id,
      task_version: j.taskVersion ?? null,
      counted: j.lease.gold === null, // gold pairs take no slot in the task's progress
      key: j.key,
      choice: j.choice,
      preference: j.preference,
      shown_a_first: j.lease.shown_a_first,
      rationale: j.rationale,
      flags: j.flags,
      time_ms: j.timeMs,
      criteria: j.criteria,
      active_ms: j.signals.activeMs ?? null,
      focus_losses: j.signals.focusLosses ?? null,
      first_choice_ms: j.signals.firstChoiceMs ?? null,
      paste_count: j.signals.pasteCount ?? null,
      keystroke_count: j.signals.keystrokeCount ?? null,
      screen_width: j.signals.screenWidth ?? null,
      ui_version: j.signals.uiVersion ?? null,
    }));
    const result = await prepared(
      sql<{ n: number; id: string; judgment_count: number; target: number }>`
      WITH input AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(input)}::jsonb) AS i(n int, assignment_id uuid, rater_id uuid,
          task_id uuid, pair_id uuid, task_version text, counted boolean, key uuid, choice int, preference int,
          shown_a_first boolean, rationale text, flags text[], time_ms int, criteria jsonb, active_ms int, focus_losses int,
          first_choice_ms int, paste_count int, keystroke_count int, screen_width int, ui_version text)
      ), lease AS (
        UPDATE assignments a SET status = 'submitted', finished_at = now()
        FROM input i
        WHERE a.id = i.assignment_id AND a.rater_id = i.rater_id AND a.status = 'leased' AND a.expires_at > now()
          AND (i.task_version IS NULL OR EXISTS (SELECT 1 FROM tasks t WHERE t.id = i.task_id AND t.xmin = i.task_version::xid))
        RETURNING a.id
      ), written AS (
        SELECT i.* FROM input i JOIN lease ON lease.id = i.assignment_id
      ), judgment AS (
        INSERT INTO judgments (task_id, pair_id, rater_id, assignment_id, idempotency_key, choice, preference, shown_a_first, rationale, flags, time_ms,
          criteria, active_ms, focus_losses, first_choice_ms, paste_count, keystroke_count, screen_width, ui_version)
        SELECT task_id, pair_id, rater_id, assignment_id, key, choice, preference, shown_a_first, rationale, coalesce(flags, '{}'), time_ms,
          criteria, active_ms, focus_losses, first_choice_ms, paste_count, keystroke_count, screen_width, ui_version
        FROM written ORDER BY n
        RETURNING id, assignment_id
      ), per_pair AS (
        SELECT pair_id, task_id, count(*)::int AS judged, bool_and(counted) AS counted FROM written GROUP BY 1, 2
      ), pair AS (
        UPDATE pairs p SET lease_count = p.lease_count - pp.judged, judgment_count = p.judgment_count + pp.judged
        FROM per_pair pp WHERE p.id = pp.pair_id
        RETURNING p.id, p.task_id, p.judgment_count, p.target, pp.judged, pp.counted
      ), counted AS (
        ${addToCountersFrom(sql`
          SELECT task_id, ${counterShard(sql`id`)}, sum(judged),
            count(*) FILTER (WHERE judgment_count >= target AND judgment_count - judged < target)
          FROM pair WHERE counted GROUP BY 1, 2 ORDER BY 1, 2`)}
      )
      SELECT w.n, judgment.id, pair.judgment_count, pair.target
      FROM judgment JOIN written w ON w.assignment_id = judgment.assignment_id JOIN pair ON pair.id = w.pair_id`,
    ).execute(db);
    const recorded: Array<RecordedJudgment | undefined> = judgments.map(() => undefined);
    for (const row of result.rows)
      recorded[row.n] = { judgmentId: row.id, judgmentCount: row.judgment_count, target: row.target };
    return recorded;
  }

  /** A skip: the lease ends and its slot (and its group's) goes back to the pair. */
  async recordSkip(tx: Tx, lease: LockedLease, reason: string | null): Promise<void> {
    await sql`
      WITH lease AS (
        UPDATE assignments SET status = 'skipped', finished_at = now(), skip_reason = ${reason} WHERE id = ${lease.id}
      )
      UPDATE pairs SET lease_count = lease_count - 1
        ${lease.quota_group !== null ? sql`, group_counts = ${groupCountDelta(lease.quota_group, -1)}` : sql``}
      WHERE id = ${lease.pair_id}`.execute(tx);
  }

  /** Preference signs of a pair's judgments (for the adaptive stopping rule). */
  async preferenceSigns(tx: Tx, pairId: string): Promise<number[]> {
    const rows = await tx
      .selectFrom('judgments')
      .select(sql<number>`sign(preference)::int`.as('s'))
      .where('pair_id', '=', pairId)
      .execute();
    return rows.map((r) => r.s);
  }

  /** One more slot for a pair that had reached its target: it is no longer complete. */
  async raiseTarget(tx: Tx, lease: { task_id: string; pair_id: string }, target: number): Promise<void> {
    await sql`
      WITH raised AS (UPDATE pairs SET target = ${target} WHERE id = ${lease.pair_id} RETURNING id)
      ${addToCounters(lease.task_id, lease.pair_id, sql`0`, sql`-1`, sql`FROM raised`)}`.execute(tx);
  }

  /** Counts one gold answer; returns the rater's totals after it. */
  async recordGoldAnswer(tx: Tx, taskId: string, raterId: string, correct: boolean) {
    return tx
      .insertInto('task_raters')
      .values({ task_id: taskId, rater_id: raterId, gold_answered: 1, gold_correct: correct ? 1 : 0 })
      .onConflict((oc) =>
        oc.columns(['task_id', 'rater_id']).doUpdateSet({
          gold_answered: sql`task_raters.gold_answered + 1`,
          gold_correct: sql`task_raters.gold_correct + ${correct ? 1 : 0}`,
          updated_at: sql`now()`,
        }),
      )
      .returning(['status', 'gold_answered', 'gold_correct'])
      .executeTakeFirstOrThrow();
  }

  async setRaterStatus(
    db: Tx | Database,
    taskId: string,
    raterId: string,
    status: 'active' | 'paused',
    reason: string | null,
  ): Promise<void> {
    const pausedAt = status === 'paused' ? sql<Date>`now()` : null;
    await db
      .insertInto('task_raters')
      .values({ task_id: taskId, rater_id: raterId, status, pause_reason: reason, paused_at: pausedAt })
      .onConflict((oc) =>
        oc
          .columns(['task_id', 'rater_id'])
          .doUpdateSet({ status, pause_reason: reason, paused_at: pausedAt, updated_at: sql`now()` }),
      )
      .execute();
  }

  /** From the progress counters: a task of a million pairs is not scanned to learn it is done. */
  async hasIncompletePairs(taskId: string): Promise<boolean> {
    const row = await sql<{ incomplete: boolean }>`
      SELECT coalesce(sum(complete_pairs), 0) < coalesce(sum(pairs), 0) AS incomplete FROM task_counters WHERE task_id = ${taskId}`.execute(
      this.db,
    );
    return row.rows[0]?.incomplete ?? false;
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
        (SELECT count(*) FROM (SELECT 1 FROM pairs p WHERE p.task_id = t.id AND ${openSlot(null)}
           AND ${notMetBy(sql`${raterId}`)} LIMIT ${AVAILABLE_COUNT_CAP}) open)::int AS available
      FROM tasks t WHERE t.id = ANY(${taskIds}::uuid[])`.execute(this.db);
    return new Map(rows.rows.map((r) => [r.task_id, { judgedByMe: r.judged_by_me, available: r.available }]));
  }
}

/** Leases reclaimed per statement by the sweep. */
export const RECLAIM_BATCH = 1000;

/** Rater home pages count open pairs up to this many ("1,000+"), so a huge task is not scanned per page view. */
export const AVAILABLE_COUNT_CAP = 1000;

/**
 * Adds to a task's progress counters in the shard of the pair (see the task_counters migration): a statement that
 * already locked the pair row locks only this one counter row after it. `from` supplies the row(s) that trigger it.
 */
export function addToCounters(
  taskId: string,
  pairId: string,
  judgments: RawBuilder<unknown>,
  complete: RawBuilder<unknown>,
  from: RawBuilder<unknown>,
) {
  return addToCountersFrom(
    sql`SELECT ${taskId}::uuid, ${counterShard(sql`${pairId}::uuid`)}, ${judgments}, ${complete} ${from}`,
  );
}

/** Adds the rows of `select` (task_id, shard, judgments, complete pairs; one per shard) to the task counters. */
function addToCountersFrom(select: RawBuilder<unknown>) {
  return sql`INSERT INTO task_counters (task_id, shard, judgments, complete_pairs)
    ${select}
    ON CONFLICT (task_id, shard) DO UPDATE
      SET judgments = task_counters.judgments + excluded.judgments, complete_pairs = task_counters.complete_pairs + excluded.complete_pairs`;
}

/** The task_counters shard of a pair (see the task_counters migration). */
function counterShard(pairId: RawBuilder<unknown>) {
  return sql`(hashtext(${pairId}::text) & 15)::smallint`;
}

/** An assignment with the task settings and gold answer that decide what a judgment or a skip sets off. */
function leaseWithSettings(id: string) {
  return sql`
    SELECT a.id, a.task_id, a.pair_id, a.rater_id, a.shown_a_first, a.status, a.is_gold, a.quota_group,
      (a.status = 'leased' AND a.expires_at > now()) AS live,
      t.status AS task_status, t.scale_points, t.min_judgments, t.max_judgments, t.gold_min_accuracy, t.gold_min_answers,
      t.criteria, t.rationale, p.gold
    FROM assignments a JOIN tasks t ON t.id = a.task_id JOIN pairs p ON p.id = a.pair_id
    WHERE a.id = ${id}`;
}

/**
 * The rater and the task rows are still the versions the caller decided on, the task is active, and the rater is
 * active, not paused in it and holds no lease in it (see leasePair's `unchanged`). OFFSET 0 keeps it a lookup per
 * rater: turned into joins over a batch's raters (leasePairs), PostgreSQL scanned every live lease of the task for
 * each rater (10,000 live leases at 10,000 raters: 70 ms a statement).
 */
function unchangedRows(
  taskId: string,
  raterId: RawBuilder<unknown>,
  raterVersion: RawBuilder<unknown>,
  taskVersion: RawBuilder<unknown>,
) {
  return sql`EXISTS (
    SELECT 1 FROM tasks t, users u
    WHERE t.id = ${taskId} AND t.xmin = ${taskVersion}::xid AND t.status = 'active'
      AND u.id = ${raterId} AND u.xmin = ${raterVersion}::xid AND u.status = 'active'
      AND NOT EXISTS (SELECT 1 FROM task_raters tr WHERE tr.task_id = ${taskId} AND tr.rater_id = ${raterId} AND tr.status = 'paused')
      AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.task_id = ${taskId} AND a.rater_id = ${raterId} AND a.status = 'leased')
    OFFSET 0)`;
}

/**
 * A work pair with a free slot (judgments + live leases < target) that the quota, if any, lets the rater take.
 * `taken` is that sum, a stored generated column, so that the partial indexes match (pairs_taken_column migration).
 */
function openSlot(quota: QuotaFilter | null) {
  return sql`p.gold IS NULL AND p.taken < p.target ${quota ? sql`AND ${quotaRoom(quota)}` : sql``}`;
}

/** The task's order over open pairs, as the partial indexes hold them (see the pairs_taken_column migration). */
function policyOrder(order: AssignmentOrder) {
  return order === 'random' ? sql`p.rand` : sql`(p.taken = 0), p.taken, p.rand`;
}

/**
 * `sides`: how often a pair has shown A on the left and on the right, over its leases that did not expire. A lateral
 * count per pair, so that it reads the pair's own leases through their index (as a join over the statement's pairs,
 * PostgreSQL scanned every assignment).
 */
function sidesOf(pairId: RawBuilder<unknown>) {
  return sql`LATERAL (
    SELECT count(*) FILTER (WHERE a.shown_a_first) AS a_left, count(*) FILTER (WHERE NOT a.shown_a_first) AS a_right
    FROM assignments a WHERE a.pair_id = ${pairId} AND a.status <> 'expired') sides`;
}

/** A on the side it has been shown less (see sidesOf), a coin deciding a tie. */
const BALANCED_SIDE = sql`CASE WHEN sides.a_left < sides.a_right THEN true WHEN sides.a_left > sides.a_right THEN false ELSE random() < 0.5 END`;

/**
 * "The rater has never met pair p" (`raters` is `= <rater>`'s right side: a rater, or `ANY (…)` of a batch's raters),
 * as a probe of the (rater_id, pair_id) unique index for each candidate. OFFSET 0
 * keeps PostgreSQL from turning it into an anti-join that re-reads all of the rater's assignments for every candidate
 * (measured: 45,000 rows filtered for one lease when a fresh import's statistics made that plan look cheap).
 */
function notMetBy(raters: RawBuilder<unknown>) {
  return sql`NOT EXISTS (SELECT 1 FROM assignments a WHERE a.rater_id = ${raters} AND a.pair_id = p.id OFFSET 0)`;
}

/** `group_counts` with one group's count moved by delta (never below zero). */
function groupCountDelta(group: string, delta: number) {
  return sql<Json>`jsonb_set(group_counts, ARRAY[${group}]::text[], to_jsonb(greatest(coalesce((group_counts ->> ${group})::int, 0) + ${delta}::int, 0)))`;
}

/** The quota rule as SQL over a pair row `p` (see leasePair). */
function quotaRoom({ group, groups }: QuotaFilter) {
  const unfilled = (h: string) => sql`greatest(${groups[h]!}::int - coalesce((p.group_counts ->> ${h})::int, 0), 0)`;
  const others = Object.keys(groups).filter((h) => h !== group);
  const reservedByOthers = others.length > 0 ? sql.join(others.map(unfilled), sql` + `) : sql`0`;
  const freeSlots = sql`(p.target - p.taken)`;
  const ownRoom =
    group !== null && groups[group] !== undefined
      ? sql`coalesce((p.group_counts ->> ${group})::int, 0) < ${groups[group]}::int`
      : sql`false`;
  return sql`(${ownRoom} OR ${freeSlots} > ${reservedByOthers})`;
}
