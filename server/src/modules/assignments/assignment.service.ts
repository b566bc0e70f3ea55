import {
  choiceToPreference,
  scaleChoices,
  type Assignment,
  type Criterion,
  type Eligibility,
  type NextAssignmentResult,
  type Prompt,
  type Quota,
  type RationaleSetting,
  type RaterTask,
  type SkipAssignmentRequest,
  type SubmitJudgmentRequest,
} from '@anchor/shared';
import { AppError, errors } from '../../errors.js';
import type { DomainEvents } from '../../lib/domain-events.js';
import type { AuthUser } from '../../http/locals.js';
import { taskCriteria, taskRationale, taskScale } from '../tasks/task.presenter.js';
import type { TaskRepository, TaskRow } from '../tasks/task.repository.js';
import type { UserRepository, UserRow } from '../users/user.repository.js';
import { Batcher } from '../../lib/batcher.js';
import { BoundedMap } from '../../lib/bounded-map.js';
import {
  RECLAIM_BATCH,
  type AssignmentOrder,
  type AssignmentRepository,
  type JudgmentToRecord,
  type LeaseRequest,
  type LeaseWithPair,
  type LockedLease,
  type QuotaFilter,
  type RaterProfile,
  type RecordedJudgment,
  type RowVersion,
  type UnchangedRows,
} from './assignment.repository.js';

/** PostgreSQL refused a row under a unique constraint: the race each caller knows how to lose. */
function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string }).code === '23505';
}

/** Bounds of what a node remembers to save a read (see AssignmentService); forgetting only costs that read. */
const REMEMBERED_RATERS = 50_000;
const REMEMBERED_TASKS = 1_000;
const REMEMBERED_LEASES = 50_000;
/** Judgments per statement at most (see AssignmentService.recording). */
const RECORD_BATCH = 64;
/** Leases per batched lease statement (see `leasing`). */
const LEASE_BATCH = 32;

interface Versioned<T> {
  row: T;
  version: RowVersion;
}

/** A lease as this node handed it out: what its judgment needs besides the task's settings. */
type HandedOutLease = Pick<
  LockedLease,
  'id' | 'task_id' | 'pair_id' | 'rater_id' | 'shown_a_first' | 'is_gold' | 'quota_group'
>;

type Tx = Parameters<Parameters<AssignmentRepository['transaction']>[0]>[0];

export function isEligible(rater: Pick<UserRow, 'country' | 'languages'>, eligibility: Eligibility): boolean {
  if (eligibility.countries?.length && !(rater.country && eligibility.countries.includes(rater.country))) return false;
  if (eligibility.languages?.length && !eligibility.languages.some((l) => rater.languages.includes(l))) return false;
  return true;
}

/** The rater's group under a quota, or null when they belong to none of its groups. */
export function raterGroup(rater: Pick<UserRow, 'country' | 'languages' | 'attributes'>, quota: Quota): string | null {
  const groups = Object.keys(quota.groups);
  if (quota.attribute === 'country') return rater.country && groups.includes(rater.country) ? rater.country : null;
  if (quota.attribute === 'language' || quota.attribute === 'languages')
    return rater.languages.find((l) => groups.includes(l)) ?? null;
  const value = (rater.attributes as Record<string, unknown> | null)?.[quota.attribute];
  return (typeof value === 'string' || typeof value === 'number') && groups.includes(String(value))
    ? String(value)
    : null;
}

/** Whether a judgment's preference matches a gold answer. */
export function matchesGold(gold: string, preference: number): boolean {
  return gold === 'A' ? preference < 0 : gold === 'B' ? preference > 0 : preference === 0;
}

/** Adaptive stopping rule: a pair's raters agree when every judgment has the same sign (all A, all B or all tie). */
export function ratersAgree(signs: number[]): boolean {
  return signs.every((s) => s === signs[0]);
}

/**
 * The engine's rules around the repository's statements. On the hot path each request is one statement: a node
 * remembers the rater and task rows it last read and the leases it handed out, and the statement it then runs
 * (leasePair with `unchanged`, recordJudgments with `taskVersion`) writes only while those rows are still the versions
 * it decided on. When it writes nothing, the request goes the way that reads first, so a stale memory is never more
 * than one wasted round trip and never a wrong answer.
 */
export class AssignmentService {
  private readonly knownRaters = new BoundedMap<string, Versioned<RaterProfile>>(REMEMBERED_RATERS);
  private readonly knownTasks = new BoundedMap<string, Versioned<TaskRow>>(REMEMBERED_TASKS);
  /** Non-gold leases this node handed out and has not yet seen judged or skipped. */
  private readonly handedOut = new BoundedMap<string, HandedOutLease>(REMEMBERED_LEASES);
  /**
   * Unlocked judgments go to the database one statement at a time per task, each with the ones that arrived while the
   * one before ran: under load one statement and one commit record many (AssignmentRepository.recordJudgments). Per
   * task, so that a statement waiting on one task's rows (a long update of its targets, say) holds up only the
   * judgments that would have waited on them anyway.
   */
  private readonly recording = new BoundedMap<string, Batcher<JudgmentToRecord, RecordedJudgment | undefined>>(
    REMEMBERED_TASKS,
  );

  /**
   * Leases a node makes with remembered rows (`unchanged`) in a task without quotas go to the database the same way:
   * one statement at a time per task, order and lease length, with the raters who asked meanwhile
   * (AssignmentRepository.leasePairs).
   */
  private readonly leasing = new BoundedMap<string, Batcher<LeaseRequest, LeaseWithPair | undefined>>(REMEMBERED_TASKS);

  constructor(
    private readonly assignments: AssignmentRepository,
    private readonly tasks: TaskRepository,
    private readonly users: UserRepository,
    private readonly events: DomainEvents,
  ) {}

  /** Active tasks this rater is eligible for, with their own counts. */
  async tasksFor(raterId: string): Promise<RaterTask[]> {
    const rater = await this.requireRater(raterId);
    const tasks = (await this.tasks.listActive()).filter((t) => isEligible(rater, t.eligibility as Eligibility));
    const counts = await this.assignments.raterTaskCounts(
      raterId,
      tasks.map((t) => t.id),
    );
    return tasks.map((t) => ({
      id: t.id,
      name: t.name,
      instructions: t.instructions,
      scale: taskScale(t),
      criteria: taskCriteria(t),
      rationale: taskRationale(t),
      judgedByMe: counts.get(t.id)?.judgedByMe ?? 0,
      available: counts.get(t.id)?.available ?? 0,
    }));
  }

  async next(caller: AuthUser, taskId?: string): Promise<NextAssignmentResult> {
    if (taskId) return this.nextInTask(caller.id, taskId);
    const rater = await this.requireRater(caller.id);
    const tasks = (await this.tasks.listActive()).filter((t) => isEligible(rater, t.eligibility as Eligibility));
    if (tasks.length === 0) return { done: true, reason: 'no_tasks' };
    for (const task of tasks) {
      const result = await this.nextInTask(caller.id, task.id);
      if ('assignment' in result) return result;
    }
    return { done: true, reason: 'nothing_left_for_you' };
  }

  /**
   * The rater's live lease in the task, or a new one. When this node remembers the rater and the task, one guarded
   * lease statement; otherwise (or when that statement writes nothing) one read, then (when a lease is due) one write.
   */
  private async nextInTask(raterId: string, taskId: string, retried = false): Promise<NextAssignmentResult> {
    const knownRater = this.knownRaters.get(raterId);
    const knownTask = this.knownTasks.get(taskId);
    if (
      knownRater &&
      knownTask &&
      !retried &&
      knownTask.row.status === 'active' &&
      isEligible(knownRater.row, knownTask.row.eligibility as Eligibility)
    ) {
      const unchanged = { rater: knownRater.version, task: knownTask.version };
      try {
        const assignment = await this.lease(knownRater.row, knownTask.row, unchanged);
        if (assignment) return { assignment };
      } catch (err) {
        // Another request of this rater's leased at the same moment: the reading way below finds that lease.
        if (!isUniqueViolation(err)) throw err;
      }
    }
    const context = await this.assignments.nextContext(raterId, taskId);
    if (!context || context.rater.status !== 'active') throw errors.unauthorized('Your account is not active.');
    const { rater, task, held, paused } = context;
    if (!task) throw errors.notFound('That task');
    this.knownRaters.set(raterId, { row: rater, version: context.raterVersion });
    this.knownTasks.set(taskId, { row: task, version: context.taskVersion! });
    if (task.status !== 'active') return { done: true, reason: 'task_not_active' };
    if (!isEligible(rater, task.eligibility as Eligibility)) return { done: true, reason: 'not_eligible' };
    if (held) return { assignment: present(held, task) };
    if (paused) return { done: true, reason: 'paused' };
    let assignment: Assignment | undefined;
    try {
      assignment = await this.lease(rater, task);
    } catch (err) {
      if (!isUniqueViolation(err) || retried) throw err;
      // The rater already has a lease row in this task: another request of theirs won a race (resume its lease), or
      // their lease ran out and no node's sweep has reclaimed it yet (reclaim it now, then lease afresh).
      await this.reclaimExpiredLeases();
      return this.nextInTask(raterId, taskId, true);
    }
    if (assignment) return { assignment };
    const complete = !(await this.assignments.hasIncompletePairs(task.id));
    return { done: true, reason: complete ? 'task_complete' : 'nothing_left_for_you' };
  }

  /** A new lease, or undefined when no pair is open to the rater (or, with `unchanged`, a row has changed). */
  private async lease(rater: RaterProfile, task: TaskRow, unchanged?: UnchangedRows): Promise<Assignment | undefined> {
    const quota = task.quota as Quota | null;
    // Properties first, spread last: `{...base, more}` is slow in Node 20 (see handedOutLease).
    const single = (quota: QuotaFilter | null, gold: boolean) => ({
      taskId: task.id,
      raterId: rater.id,
      order: task.assignment_order as AssignmentOrder,
      leaseSeconds: task.lease_seconds,
      quota,
      gold,
      ...(unchanged ? { unchanged } : {}),
    });
    const group = quota && raterGroup(rater, quota);
    const quotaFilter: QuotaFilter | null = quota && { group, groups: quota.groups };
    const serveGold = task.gold_rate > 0 && Math.random() < task.gold_rate;
    const gold = serveGold ? await this.assignments.leasePair(single(null, true)) : undefined;
    const leased =
      gold ??
      (unchanged && !quotaFilter
        ? await this.leaserOf(task).add({ raterId: rater.id, unchanged })
        : await this.assignments.leasePair(single(quotaFilter, false)));
    if (!leased) return undefined;
    if (!gold) {
      this.handedOut.set(leased.id, {
        id: leased.id,
        task_id: task.id,
        pair_id: leased.pair_id,
        rater_id: rater.id,
        shown_a_first: leased.shown_a_first,
        is_gold: false,
        quota_group: group,
      });
    }
    this.events.emit('leasesChanged', { taskId: task.id });
    return present(leased, task);
  }

  /**
   * Stores a judgment, once per idempotency key. The common judgment is one guarded write statement, shared with
   * other raters' judgments (see AssignmentRepository.recordJudgments), after no read when this node handed the lease
   * out and one otherwise: its locks on the pair and the task's counters end with its own commit. Gold answers and
   * adaptive tasks decide what follows under the pair's lock, so they go the locked way, as does a submission that
   * lost a race (a retry with the same key, a skip or the lease's expiry), which then gets its answer.
   */
  async submit(caller: AuthUser, request: SubmitJudgmentRequest): Promise<SubmitResult> {
    const handed = this.handedOut.get(request.assignmentId);
    if (handed?.rater_id === caller.id) {
      this.handedOut.delete(request.assignmentId);
      const recorded = await this.submitHandedOut(handed, request);
      if (recorded) return recorded;
    }
    const { lease, existing } = await this.assignments.submissionContext(request.assignmentId, request.key);
    if (existing) return replayed(existing, caller.id, lease?.task_id);
    const own = requireOwnLiveLease(lease, caller.id);
    if (own.is_gold || isAdaptive(own)) return this.submitLocked(caller, request); // it checks the answer itself
    return (await this.recordUnlocked(own, checkJudgment(own, request))) ?? this.submitLocked(caller, request);
  }

  /**
   * The judgment of a lease this node handed out, without reading it back: checked against the task row this node
   * last read, and written only while that row is unchanged. Undefined when this cannot settle it (a changed task, an
   * answer those settings refuse, a retry, an expiry, a gold or adaptive task): the caller then reads the lease and
   * the task afresh, and it is they that give the answer, error or not.
   */
  private async submitHandedOut(
    handed: HandedOutLease,
    request: SubmitJudgmentRequest,
  ): Promise<SubmitResult | undefined> {
    const task = this.knownTasks.get(handed.task_id);
    if (!task) return undefined;
    const lease = handedOutLease(handed, task.row);
    if (isAdaptive(lease)) return undefined;
    let judgment: ReturnType<typeof checkJudgment>;
    try {
      judgment = checkJudgment(lease, request);
    } catch (err) {
      if (err instanceof AppError) return undefined;
      throw err;
    }
    return this.recordUnlocked(lease, judgment, task.version);
  }

  private leaserOf(task: TaskRow): Batcher<LeaseRequest, LeaseWithPair | undefined> {
    const order = task.assignment_order as AssignmentOrder;
    return this.leasing.getOrSet(
      `${task.id} ${order} ${task.lease_seconds}`,
      () =>
        new Batcher(
          (raters) => this.assignments.leasePairs({ taskId: task.id, order, leaseSeconds: task.lease_seconds, raters }),
          LEASE_BATCH,
        ),
    );
  }

  private recorderOf(taskId: string): Batcher<JudgmentToRecord, RecordedJudgment | undefined> {
    return this.recording.getOrSet(
      taskId,
      () => new Batcher((judgments) => this.assignments.recordJudgments(this.assignments.db, judgments), RECORD_BATCH),
    );
  }

  /** Through the task's guarded batch statement (see `recording`); undefined when it wrote nothing. */
  private async recordUnlocked(
    lease: LockedLease,
    judgment: ReturnType<typeof checkJudgment>,
    taskVersion?: RowVersion,
  ): Promise<SubmitResult | undefined> {
    let recorded;
    try {
      recorded = await this.recorderOf(lease.task_id).add({
        lease,
        ...judgment,
        ...(taskVersion === undefined ? {} : { taskVersion }),
      });
    } catch (err) {
      // The key was used at the same moment for another assignment: the locked path says which judgment it made.
      if (!isUniqueViolation(err)) throw err;
      return undefined;
    }
    if (!recorded) return undefined;
    this.events.emit('judgmentRecorded', { taskId: lease.task_id, pairId: lease.pair_id, raterId: lease.rater_id });
    return { judgmentId: recorded.judgmentId, taskId: lease.task_id, created: true };
  }

  private async submitLocked(caller: AuthUser, request: SubmitJudgmentRequest): Promise<SubmitResult> {
    const result = await this.assignments.transaction(async (tx) => {
      const lease = await this.assignments.lockLease(tx, request.assignmentId);
      // Checked after the lock: a concurrent retry with the same key waits there, then finds the first one's judgment.
      const existing = await this.assignments.findJudgmentByKey(tx, request.key);
      if (existing) return { ...replayed(existing, caller.id, lease?.task_id), pairId: undefined, paused: undefined };
      const own = requireOwnLiveLease(lease, caller.id);
      const judgment = checkJudgment(own, request);
      const [recorded] = await this.assignments.recordJudgments(tx, [{ lease: own, ...judgment }]);
      if (!recorded) throw new Error('A locked, live lease refused its judgment.');
      const paused = own.is_gold ? await this.scoreGold(tx, own, judgment.preference) : undefined;
      if (!own.is_gold) await this.applyAdaptiveRule(tx, own, recorded);
      return { judgmentId: recorded.judgmentId, taskId: own.task_id, created: true, pairId: own.pair_id, paused };
    });
    if (result.pairId)
      this.events.emit('judgmentRecorded', { taskId: result.taskId, pairId: result.pairId, raterId: caller.id });
    if (result.paused) this.events.emit('raterPaused', result.paused);
    return { judgmentId: result.judgmentId, taskId: result.taskId, created: result.created };
  }

  /**
   * Adaptive redundancy: once a pair has its current target, it stops if its raters agree, and otherwise gets one
   * more slot, up to maxJudgments. Runs under the pair's row lock (taken by recordJudgments' update), so concurrent
   * judgments of one pair decide in turn.
   */
  private async applyAdaptiveRule(tx: Tx, lease: LockedLease, counts: { judgmentCount: number; target: number }) {
    if (!isAdaptive(lease) || lease.max_judgments === null) return;
    if (counts.judgmentCount < counts.target || counts.target >= lease.max_judgments) return;
    if (!ratersAgree(await this.assignments.preferenceSigns(tx, lease.pair_id))) {
      await this.assignments.raiseTarget(tx, lease, counts.target + 1);
    }
  }

  /** Scores a gold answer; pauses the rater in this task when their accuracy falls below the task's bar. */
  private async scoreGold(tx: Tx, lease: LockedLease, preference: number) {
    if (lease.gold === null) return undefined;
    const standing = await this.assignments.recordGoldAnswer(
      tx,
      lease.task_id,
      lease.rater_id,
      matchesGold(lease.gold, preference),
    );
    const accuracy = standing.gold_correct / standing.gold_answered;
    const bar = lease.gold_min_accuracy;
    if (
      bar === null ||
      standing.gold_answered < lease.gold_min_answers ||
      accuracy >= bar ||
      standing.status === 'paused'
    )
      return undefined;
    const reason = `Gold accuracy ${(accuracy * 100).toFixed(0)}% over ${standing.gold_answered} checks is below ${(bar * 100).toFixed(0)}%.`;
    await this.assignments.setRaterStatus(tx, lease.task_id, lease.rater_id, 'paused', reason);
    return {
      taskId: lease.task_id,
      raterId: lease.rater_id,
      goldAccuracy: accuracy,
      goldAnswered: standing.gold_answered,
      reason,
    };
  }

  /** An admin resumes (or pauses) a rater in one task. */
  async setRaterStatus(taskId: string, raterId: string, status: 'active' | 'paused'): Promise<void> {
    if (!(await this.tasks.findById(taskId))) throw errors.notFound('That task');
    if (!(await this.users.findById(raterId))) throw errors.notFound('That rater');
    await this.assignments.setRaterStatus(
      this.assignments.db,
      taskId,
      raterId,
      status,
      status === 'paused' ? 'Paused by an admin.' : null,
    );
  }

  /** Returns the assignment's task. */
  async skip(caller: AuthUser, request: SkipAssignmentRequest): Promise<string> {
    this.handedOut.delete(request.assignmentId);
    const { taskId, changed } = await this.assignments.transaction(async (tx) => {
      const lease = await this.assignments.lockLease(tx, request.assignmentId);
      // a retried skip
      if (lease && lease.rater_id === caller.id && lease.status === 'skipped')
        return { taskId: lease.task_id, changed: false };
      const own = requireOwnLiveLease(lease, caller.id);
      await this.assignments.recordSkip(tx, own, request.reason?.trim() || null);
      return { taskId: own.task_id, changed: true };
    });
    if (changed) this.events.emit('leasesChanged', { taskId });
    return taskId;
  }

  /** Any node calls this on a timer: expiry needs no single owner, and each lease is reclaimed exactly once. */
  async reclaimExpiredLeases(): Promise<number> {
    let total = 0;
    // A batch is at most RECLAIM_BATCH leases; keep going while batches come back full (many raters left at once).
    for (;;) {
      const expired = await this.assignments.reclaimExpired();
      this.announceExpired(expired);
      total += expired.length;
      if (expired.length < RECLAIM_BATCH) return total;
    }
  }

  private announceExpired(expired: Array<{ id: string; task_id: string; rater_id: string }>): void {
    for (const e of expired) this.handedOut.delete(e.id);
    for (const e of expired)
      this.events.emit('leaseExpired', { assignmentId: e.id, raterId: e.rater_id, taskId: e.task_id });
    for (const taskId of new Set(expired.map((e) => e.task_id))) this.events.emit('leasesChanged', { taskId });
  }

  private async requireRater(id: string): Promise<UserRow> {
    const rater = await this.users.findById(id);
    if (!rater || rater.status !== 'active') throw errors.unauthorized('Your account is not active.');
    return rater;
  }
}

function requireOwnLiveLease(lease: LockedLease | undefined, raterId: string): LockedLease {
  if (!lease || lease.rater_id !== raterId) throw errors.notFound('That assignment');
  if (lease.status === 'submitted')
    throw new AppError('already_judged', 'This assignment was already judged; ask for the next one.');
  if (lease.status === 'skipped')
    throw new AppError('already_judged', 'This assignment was skipped; ask for the next one.');
  if (!lease.live) {
    throw new AppError(
      'lease_expired',
      'The time for this assignment ran out and the pair went back to the pool; ask for the next one.',
    );
  }
  return lease;
}

interface SubmitResult {
  judgmentId: string;
  taskId: string;
  /** False when the key's judgment already existed (a retry). */
  created: boolean;
}

/** A retried submission: its key's judgment, if it is the caller's. */
function replayed(
  existing: { id: string; rater_id: string },
  raterId: string,
  taskId: string | undefined,
): SubmitResult {
  if (existing.rater_id !== raterId)
    throw errors.conflict('That idempotency key was already used; make a new UUID for each judgment.');
  return { judgmentId: existing.id, taskId: taskId ?? '', created: false };
}

/**
 * A handed-out lease as a live one with its task's settings, as lockLease would read it. Field by field, not
 * `{...handed, …}`: this runs on every submit, and Node 20's V8 builds a spread followed by more properties slowly
 * (17 µs here against 22 ns) and in old space. It was the server's largest allocator in the 10,000-rater bench
 * (about 3 MB/s), and old-space garbage brings on major collections, whose pauses cluster the slowest answers.
 */
function handedOutLease(handed: HandedOutLease, task: TaskRow): LockedLease {
  return {
    id: handed.id,
    task_id: handed.task_id,
    pair_id: handed.pair_id,
    rater_id: handed.rater_id,
    shown_a_first: handed.shown_a_first,
    is_gold: handed.is_gold,
    quota_group: handed.quota_group,
    status: 'leased',
    live: true,
    task_status: task.status,
    scale_points: task.scale_points,
    min_judgments: task.min_judgments,
    max_judgments: task.max_judgments,
    gold_min_accuracy: task.gold_min_accuracy,
    gold_min_answers: task.gold_min_answers,
    gold: null,
    criteria: task.criteria,
    rationale: task.rationale,
  };
}

/** Whether the task's pairs get more raters while theirs disagree (adaptive redundancy). */
function isAdaptive(lease: LockedLease): boolean {
  return lease.min_judgments !== null && lease.max_judgments !== null;
}

/** The judgment's values, checked against the task's scale, rationale rule and criteria. */
function checkJudgment(lease: LockedLease, request: SubmitJudgmentRequest) {
  if (lease.task_status === 'archived') throw errors.conflict('This task is archived and takes no more judgments.');
  const choices = scaleChoices(lease.scale_points);
  if (!choices.includes(request.choice)) {
    throw errors.validation(`choice must be one of ${choices.join(', ')} on this ${lease.scale_points}-point scale.`, [
      { path: 'choice', message: `must be one of ${choices.join(', ')}` },
    ]);
  }
  const rationale = request.rationale?.trim() || null;
  checkRationale(rationale, taskRationale(lease));
  return {
    key: request.key,
    choice: request.choice,
    preference: choiceToPreference(request.choice, lease.shown_a_first),
    rationale,
    flags: request.flags ?? [],
    timeMs: request.timeMs ?? null,
    criteria: checkCriteria(request.criteria, taskCriteria(lease)),
    signals: request.signals ?? {},
  };
}

/** The task's rationale rule, enforced on the server too (the form enforces it first). */
function checkRationale(rationale: string | null, rule: RationaleSetting): void {
  const length = rationale?.length ?? 0;
  if (rule.mode === 'off' && rationale !== null)
    throw errors.validation('This task asks for no rationale.', [{ path: 'rationale', message: 'must be empty' }]);
  if (rule.mode === 'required' && length < Math.max(1, rule.minLength)) {
    const message = `must be at least ${Math.max(1, rule.minLength)} characters`;
    throw errors.validation(`This task needs a rationale: it ${message}.`, [{ path: 'rationale', message }]);
  }
  if (rule.mode === 'optional' && rationale !== null && length < rule.minLength) {
    const message = `must be empty or at least ${rule.minLength} characters`;
    throw errors.validation(`The rationale ${message}.`, [{ path: 'rationale', message }]);
  }
}

/** Every criterion the task defines answered within its points, and no others; null when the task has none. */
function checkCriteria(
  answers: Record<string, number> | undefined,
  criteria: Criterion[],
): Record<string, number> | null {
  if (criteria.length === 0) {
    if (answers && Object.keys(answers).length > 0)
      throw errors.validation('This task has no criteria to rate.', [{ path: 'criteria', message: 'must be empty' }]);
    return null;
  }
  const problems: Array<{ path: string; message: string }> = [];
  for (const c of criteria) {
    const value = answers?.[c.id];
    if (value === undefined) problems.push({ path: `criteria.${c.id}`, message: 'is required' });
    else if (value < 1 || value > c.points)
      problems.push({ path: `criteria.${c.id}`, message: `must be between 1 and ${c.points}` });
  }
  for (const id of Object.keys(answers ?? {}))
    if (!criteria.some((c) => c.id === id))
      problems.push({ path: `criteria.${id}`, message: 'is not a criterion of this task' });
  if (problems.length > 0)
    throw errors.validation(
      `The criteria ratings are not valid: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}.`,
      problems,
    );
  return answers ?? null;
}

/** What a rater sees: sides, never the A/B labels or model names. */
function present(lease: LeaseWithPair, task: TaskRow): Assignment {
  const [left, right] = lease.shown_a_first
    ? [lease.response_a, lease.response_b]
    : [lease.response_b, lease.response_a];
  return {
    id: lease.id,
    taskId: task.id,
    instructions: task.instructions,
    prompt: lease.prompt as Prompt,
    left: { text: left },
    right: { text: right },
    scale: taskScale(task),
    expiresAt: lease.expires_at.toISOString(),
    // Only a well-formed language tag reaches a lang attribute.
    ...(lease.language && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(lease.language)
      ? { language: lease.language }
      : {}),
    criteria: taskCriteria(task),
    rationale: taskRationale(task),
  };
}
