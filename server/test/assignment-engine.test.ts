import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Assignment, TaskStats } from '@anchor/shared';
import { matchesGold, raterGroup, ratersAgree } from '../src/modules/assignments/assignment.service.js';
import { emitAck, startTestApp, type TestApp, type TestSocket } from './harness.js';

let app: TestApp;
let token: string;
beforeAll(async () => {
  app = await startTestApp();
  token = await app.createAdminToken();
});
afterAll(() => app?.close());

async function signedInRater(options: Parameters<TestApp['createUser']>[0] = {}) {
  const rater = await app.createUser(options);
  return { rater, socket: await app.socket({ cookie: await app.login(rater.email, rater.password) }) };
}

async function raterSocket(options: Parameters<TestApp['createUser']>[0] = {}): Promise<TestSocket> {
  return (await signedInRater(options)).socket;
}

async function next(socket: TestSocket, taskId: string): Promise<Assignment> {
  const result = await emitAck(socket, 'assignment:next', { taskId });
  if (!('assignment' in result)) throw new Error(`expected an assignment, got ${JSON.stringify(result)}`);
  return result.assignment;
}

/** The screen choice that prefers response A (or B) for this assignment, whichever side it is on. */
function choiceFor(assignment: Assignment, prefer: 'A' | 'B', strength = 1): number {
  const aOnLeft = assignment.left.text.startsWith('Answer A');
  return (prefer === 'A') === aOnLeft ? -strength : strength;
}

async function submit(socket: TestSocket, assignment: Assignment, choice: number) {
  const ack = await emitAck(socket, 'judgment:submit', { assignmentId: assignment.id, key: randomUUID(), choice });
  expect(ack, JSON.stringify(ack)).toMatchObject({ ok: true });
}

async function stats(taskId: string): Promise<TaskStats> {
  return (await app.api<TaskStats>('GET', `/api/tasks/${taskId}/stats`, { token })).body;
}

describe('pure rules', () => {
  it('scores gold, states the agreement rule, and finds a rater’s quota group', () => {
    expect(matchesGold('A', -2)).toBe(true);
    expect(matchesGold('A', 1)).toBe(false);
    expect(matchesGold('tie', 0)).toBe(true);
    expect(ratersAgree([1, 1, 1])).toBe(true);
    expect(ratersAgree([-1, 1])).toBe(false);
    expect(ratersAgree([0, 0])).toBe(true);
    const rater = { country: 'KE', languages: ['sw', 'en'], attributes: { region: 'East Africa' } };
    expect(raterGroup(rater, { attribute: 'country', groups: { KE: 1, IN: 1 } })).toBe('KE');
    expect(raterGroup(rater, { attribute: 'language', groups: { en: 1 } })).toBe('en');
    expect(raterGroup(rater, { attribute: 'region', groups: { 'East Africa': 1 } })).toBe('East Africa');
    expect(raterGroup(rater, { attribute: 'country', groups: { BR: 1 } })).toBeNull();
  });
});

describe('order policy', () => {
  it('finish_first gives every rater the pair already under way before a fresh one', async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 3 });
    await app.importPairs(task.id, app.demoPairs(4, { prefix: 'ff' }));
    const sockets = await Promise.all(Array.from({ length: 4 }, () => raterSocket()));
    const first = await next(sockets[0]!, task.id);
    const texts = (a: Assignment) => [a.left.text, a.right.text].sort().join('|');
    expect(texts(await next(sockets[1]!, task.id))).toBe(texts(first));
    expect(texts(await next(sockets[2]!, task.id))).toBe(texts(first));
    expect(texts(await next(sockets[3]!, task.id))).not.toBe(texts(first)); // full: 3 leases
  });

  it('random serves any open pair', async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 3, assignmentOrder: 'random' });
    await app.importPairs(task.id, app.demoPairs(3, { prefix: 'rnd' }));
    const socket = await raterSocket();
    for (let i = 0; i < 3; i++) await submit(socket, await next(socket, task.id), 1);
    expect(await emitAck(socket, 'assignment:next', { taskId: task.id })).toEqual({
      done: true,
      reason: 'nothing_left_for_you',
    });
  });
});

describe('counterbalancing', () => {
  it('shows A on the left for half of a pair’s raters, within one', async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 9 });
    await app.importPairs(task.id, app.demoPairs(1, { prefix: 'cb' }));
    for (let i = 0; i < 9; i++) {
      const socket = await raterSocket();
      await submit(socket, await next(socket, task.id), 1);
    }
    const rows = await app.db.selectFrom('judgments').select('shown_a_first').where('task_id', '=', task.id).execute();
    const aLeft = rows.filter((r) => r.shown_a_first).length;
    expect(rows).toHaveLength(9);
    expect(Math.abs(aLeft - 9 / 2)).toBeLessThanOrEqual(1);
  });
});

describe('quotas by rater group', () => {
  it('keeps reserved slots for each group and reports coverage per group', async () => {
    const task = await app.createTask({
      status: 'active',
      judgmentsPerPair: 3,
      quota: { attribute: 'country', groups: { KE: 1, IN: 1 } },
    });
    await app.importPairs(task.id, app.demoPairs(1, { prefix: 'quota' }));
    const brazil1 = await raterSocket({ country: 'BR' });
    const brazil2 = await raterSocket({ country: 'BR' });
    const kenya1 = await raterSocket({ country: 'KE' });
    const kenya2 = await raterSocket({ country: 'KE' });
    const india = await raterSocket({ country: 'IN' });

    await submit(brazil1, await next(brazil1, task.id), 1); // 3 free, 2 reserved for others: the open slot
    expect(await emitAck(brazil2, 'assignment:next', { taskId: task.id })).toEqual({
      done: true,
      reason: 'nothing_left_for_you',
    });
    await submit(kenya1, await next(kenya1, task.id), 1); // KE's own reservation
    expect(await emitAck(kenya2, 'assignment:next', { taskId: task.id })).toEqual({
      done: true,
      reason: 'nothing_left_for_you',
    });
    await submit(india, await next(india, task.id), 1);

    const s = await stats(task.id);
    expect(s.completePairs).toBe(1);
    expect(s.quotaCoverage).toEqual([
      { group: 'IN', required: 1, pairsMet: 1, judgments: 1 },
      { group: 'KE', required: 1, pairsMet: 1, judgments: 1 },
    ]);
  });

  it('refuses a quota that reserves more judgments than a pair gets', async () => {
    const res = await app.api('POST', '/api/tasks', {
      token,
      body: { name: 'q', judgmentsPerPair: 2, quota: { attribute: 'country', groups: { KE: 2, IN: 1 } } },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'validation_failed', details: [{ path: 'quota.groups' }] } });
  });
});

describe('gold checks', () => {
  it('serves gold pairs outside the targets, keeps accuracy, and pauses a rater below the bar with a live notice', async () => {
    const task = await app.createTask({
      status: 'active',
      judgmentsPerPair: 1,
      goldRate: 1,
      goldMinAccuracy: 0.5,
      goldMinAnswers: 2,
    });
    const gold = app.demoPairs(2, { prefix: 'gold' }).map((p) => ({ ...p, gold: 'A' as const }));
    await app.importPairs(task.id, [...gold, ...app.demoPairs(2, { prefix: 'work' })]);
    const admin = await app.createUser({ role: 'admin' });
    const adminSocket = await app.socket({ cookie: await app.login(admin.email, admin.password) });
    const paused = new Promise<{ raterId: string; goldAccuracy: number }>((resolve) =>
      adminSocket.on('rater:paused', resolve),
    );

    const careless = await app.createUser();
    const socket = await app.socket({ cookie: await app.login(careless.email, careless.password) });
    for (let i = 0; i < 2; i++) {
      const assignment = await next(socket, task.id); // goldRate 1: gold first while unseen gold remains
      await submit(socket, assignment, choiceFor(assignment, 'B'));
    }
    expect(await paused).toMatchObject({ raterId: careless.user.id, goldAccuracy: 0 });
    expect(await emitAck(socket, 'assignment:next', { taskId: task.id })).toEqual({ done: true, reason: 'paused' });

    const s = await stats(task.id);
    expect(s).toMatchObject({ pairs: 2, judgments: 0, goldJudgments: 2, pausedRaters: 1 });

    // An admin resumes the rater, who now gets real work (no gold left unseen).
    const resumed = await app.api('PATCH', `/api/tasks/${task.id}/raters/${careless.user.id}`, {
      token,
      body: { status: 'active' },
    });
    expect(resumed.status).toBe(200);
    await submit(socket, await next(socket, task.id), 1);
    expect((await stats(task.id)).judgments).toBe(1);
  });

  it('does not pause a careful rater', async () => {
    const task = await app.createTask({
      status: 'active',
      judgmentsPerPair: 1,
      goldRate: 1,
      goldMinAccuracy: 0.5,
      goldMinAnswers: 2,
    });
    await app.importPairs(
      task.id,
      app.demoPairs(2, { prefix: 'gold-ok' }).map((p) => ({ ...p, gold: 'A' as const })),
    );
    const rater = await app.createUser();
    const socket = await app.socket({ cookie: await app.login(rater.email, rater.password) });
    for (let i = 0; i < 2; i++) {
      const assignment = await next(socket, task.id);
      await submit(socket, assignment, choiceFor(assignment, 'A'));
    }
    const standing = await app.db
      .selectFrom('task_raters')
      .selectAll()
      .where('rater_id', '=', rater.user.id)
      .executeTakeFirstOrThrow();
    expect(standing).toMatchObject({ status: 'active', gold_answered: 2, gold_correct: 2 });
  });
});

describe('adaptive redundancy', () => {
  it('stops a pair whose raters agree at the minimum and extends one they disagree on, up to the maximum', async () => {
    const task = await app.createTask({ status: 'active', minJudgments: 2, maxJudgments: 4 });
    await app.importPairs(task.id, app.demoPairs(2, { prefix: 'adapt' }));
    const raters = await Promise.all(Array.from({ length: 4 }, () => raterSocket()));
    // finish_first order: the first two raters land on the same pair and agree; it stops at 2.
    const [a1, a2] = [await next(raters[0]!, task.id), await next(raters[1]!, task.id)];
    await submit(raters[0]!, a1, choiceFor(a1, 'A'));
    await submit(raters[1]!, a2, choiceFor(a2, 'A'));
    // The other pair: they disagree at 2, 3 and 4 judgments, so it takes all four.
    const [b1, b2] = [await next(raters[0]!, task.id), await next(raters[1]!, task.id)];
    await submit(raters[0]!, b1, choiceFor(b1, 'A'));
    await submit(raters[1]!, b2, choiceFor(b2, 'B'));
    const b3 = await next(raters[2]!, task.id);
    await submit(raters[2]!, b3, choiceFor(b3, 'A'));
    const b4 = await next(raters[3]!, task.id);
    await submit(raters[3]!, b4, choiceFor(b4, 'B'));
    expect(await emitAck(raters[2]!, 'assignment:next', { taskId: task.id })).toEqual({
      done: true,
      reason: 'task_complete',
    });

    const s = await stats(task.id);
    expect(s).toMatchObject({
      pairs: 2,
      judgments: 6,
      completePairs: 2,
      adaptive: { savedJudgments: 2, fixedMaximumJudgments: 8 },
    });
  });
});

describe('exactness under races (one node)', () => {
  it('60 raters racing on 40 pairs × 3 make exactly 120 judgments, none over target, none doubled', async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 3 });
    await app.importPairs(task.id, app.demoPairs(40, { prefix: 'race' }));
    const sockets = await Promise.all(Array.from({ length: 60 }, () => raterSocket()));
    await Promise.all(
      sockets.map(async (socket) => {
        // "nothing_left_for_you" can be momentary (the open slots are leased to others): ask again until complete.
        for (;;) {
          const result = await emitAck(socket, 'assignment:next', { taskId: task.id });
          if ('assignment' in result) await submit(socket, result.assignment, 1);
          else if ('done' in result && result.reason === 'task_complete') return;
          else await new Promise((r) => setTimeout(r, 20));
        }
      }),
    );
    const counts = await app.db
      .selectFrom('judgments')
      .select((eb) => ['pair_id', eb.fn.countAll<number>().as('n')])
      .where('task_id', '=', task.id)
      .groupBy('pair_id')
      .execute();
    expect(counts).toHaveLength(40);
    expect(counts.every((c) => c.n === 3)).toBe(true);
    const leased = await app.db
      .selectFrom('assignments')
      .select('id')
      .where('task_id', '=', task.id)
      .where('status', '=', 'leased')
      .execute();
    expect(leased).toHaveLength(0);
  });
});

describe('one lease, two outcomes at once', () => {
  it('a submit racing a skip of the same lease: exactly one wins, the other is told, and the slot is counted once', async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 1 });
    await app.importPairs(task.id, app.demoPairs(30, { prefix: 'submit-skip' }));
    const rounds = 15;
    const outcomes = { judged: 0, skipped: 0 };
    const socket = await raterSocket();
    for (let i = 0; i < rounds; i++) {
      const assignment = await next(socket, task.id);
      const [judged, skipped] = await Promise.all([
        emitAck(socket, 'judgment:submit', { assignmentId: assignment.id, key: randomUUID(), choice: 1 }),
        emitAck(socket, 'assignment:skip', { assignmentId: assignment.id }),
      ]);
      // Whichever reached the lease first; the loser gets already_judged, never a second outcome.
      expect([judged.ok, skipped.ok].filter(Boolean), JSON.stringify({ judged, skipped })).toHaveLength(1);
      const loser = judged.ok ? skipped : judged;
      expect(loser).toMatchObject({ ok: false, error: { code: 'already_judged' } });
      outcomes[judged.ok ? 'judged' : 'skipped']++;
    }
    const pairs = await app.db
      .selectFrom('pairs')
      .select((eb) => [eb.fn.sum<number>('judgment_count').as('judged'), eb.fn.sum<number>('lease_count').as('leased')])
      .where('task_id', '=', task.id)
      .executeTakeFirstOrThrow();
    const judgments = await app.db
      .selectFrom('judgments')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('task_id', '=', task.id)
      .executeTakeFirstOrThrow();
    expect(Number(pairs.judged)).toBe(outcomes.judged);
    expect(judgments.n).toBe(outcomes.judged);
    expect(Number(pairs.leased)).toBe(0);
    expect(await stats(task.id)).toMatchObject({ judgments: outcomes.judged, completePairs: outcomes.judged });
  });
});

describe('progress counters', () => {
  it('recount complete pairs when the target changes, and ignore gold pairs', async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 2 });
    const gold = app.demoPairs(1, { prefix: 'count-gold' }).map((p) => ({ ...p, gold: 'A' as const }));
    await app.importPairs(task.id, [...app.demoPairs(2, { prefix: 'count' }), ...gold]);
    for (let r = 0; r < 2; r++) {
      const socket = await raterSocket();
      for (let i = 0; i < 2; i++) await submit(socket, await next(socket, task.id), 1);
    }
    expect(await stats(task.id)).toMatchObject({ pairs: 2, judgments: 4, completePairs: 2 });
    await app.api('PATCH', `/api/tasks/${task.id}`, { token, body: { judgmentsPerPair: 3 } });
    expect(await stats(task.id)).toMatchObject({ pairs: 2, judgments: 4, completePairs: 0 });
    await app.api('PATCH', `/api/tasks/${task.id}`, { token, body: { judgmentsPerPair: 2 } });
    expect(await stats(task.id)).toMatchObject({ completePairs: 2 });
  });
});

/** A rater who has judged one pair of the task: the node now remembers them and the task. */
async function warmedRater(task: { id: string }, options: Parameters<TestApp['createUser']>[0] = {}) {
  const { rater, socket } = await signedInRater(options);
  await submit(socket, await next(socket, task.id), 1);
  return { rater, socket };
}

/**
 * A node answers the hot requests from the rater and task rows it last read and the leases it handed out (see
 * AssignmentService). Each test warms that memory with one judgment, changes a row behind it, and checks that the
 * next request is answered from the database as it is now.
 */
describe('what a node remembers never outlives the rows it read', () => {
  it('checks a judgment against the task’s settings as they are when it is submitted', async () => {
    const task = await app.createTask({ status: 'active' });
    await app.importPairs(task.id, app.demoPairs(3));
    const { socket } = await warmedRater(task);
    const assignment = await next(socket, task.id);
    const patched = await app.api('PATCH', `/api/tasks/${task.id}`, {
      token,
      body: { rationale: { mode: 'required', minLength: 5 } },
    });
    expect(patched.status).toBe(200);
    const key = randomUUID();
    expect(await emitAck(socket, 'judgment:submit', { assignmentId: assignment.id, key, choice: 1 })).toMatchObject({
      ok: false,
      error: { code: 'validation_failed' },
    });
    expect(
      await emitAck(socket, 'judgment:submit', { assignmentId: assignment.id, key, choice: 1, rationale: 'Kinder.' }),
    ).toMatchObject({ ok: true });
  });

  it('stops leasing in a task an admin paused', async () => {
    const task = await app.createTask({ status: 'active' });
    await app.importPairs(task.id, app.demoPairs(3));
    const { socket } = await warmedRater(task);
    expect((await app.api('PATCH', `/api/tasks/${task.id}`, { token, body: { status: 'paused' } })).status).toBe(200);
    expect(await emitAck(socket, 'assignment:next', { taskId: task.id })).toEqual({
      done: true,
      reason: 'task_not_active',
    });
  });

  it('stops leasing to a rater whose profile no longer meets the task’s eligibility', async () => {
    const task = await app.createTask({ status: 'active', eligibility: { countries: ['KE'] } });
    await app.importPairs(task.id, app.demoPairs(3));
    const { rater, socket } = await warmedRater(task, { country: 'KE' });
    const moved = await app.api('PATCH', `/api/users/${rater.user.id}`, { token, body: { country: 'BR' } });
    expect(moved.status).toBe(200);
    expect(await emitAck(socket, 'assignment:next', { taskId: task.id })).toEqual({
      done: true,
      reason: 'not_eligible',
    });
  });

  it('stops leasing to a rater an admin paused in the task, and resumes when they are resumed', async () => {
    const task = await app.createTask({ status: 'active' });
    await app.importPairs(task.id, app.demoPairs(3));
    const { rater, socket } = await warmedRater(task);
    const pause = (status: 'active' | 'paused') =>
      app.api('PATCH', `/api/tasks/${task.id}/raters/${rater.user.id}`, { token, body: { status } });
    expect((await pause('paused')).status).toBe(200);
    expect(await emitAck(socket, 'assignment:next', { taskId: task.id })).toEqual({ done: true, reason: 'paused' });
    expect((await pause('active')).status).toBe(200);
    await submit(socket, await next(socket, task.id), 1);
  });

  it('gives the lease a rater holds from another tab instead of a second one', async () => {
    const task = await app.createTask({ status: 'active' });
    await app.importPairs(task.id, app.demoPairs(3));
    const { rater, socket } = await warmedRater(task);
    const held = await next(socket, task.id);
    const otherTab = await app.socket({ cookie: await app.login(rater.email, rater.password) });
    expect((await next(otherTab, task.id)).id).toBe(held.id);
  });
});

describe('judgments in batches', () => {
  it('records a task’s judgments while another task’s wait on rows held elsewhere', async () => {
    const slow = await app.createTask({ status: 'active' });
    const quick = await app.createTask({ status: 'active' });
    await app.importPairs(slow.id, app.demoPairs(2));
    await app.importPairs(quick.id, app.demoPairs(2));
    const { socket: a } = await warmedRater(slow);
    const { socket: b } = await warmedRater(quick);
    const held = await next(a, slow.id);
    const other = await next(b, quick.id);
    let waiting: Promise<unknown> | undefined;
    // Another transaction holds the slow task's pairs, as a long update of its targets would.
    const quickAck = await app.db.transaction().execute(async (tx) => {
      await sql`SELECT id FROM pairs WHERE task_id = ${slow.id} FOR UPDATE`.execute(tx);
      waiting = emitAck(a, 'judgment:submit', { assignmentId: held.id, key: randomUUID(), choice: 1 });
      await sleep(300); // the slow task's judgment reaches its pair and waits there
      return Promise.race([
        emitAck(b, 'judgment:submit', { assignmentId: other.id, key: randomUUID(), choice: 1 }),
        sleep(3_000).then(() => 'held up'),
      ]);
    });
    expect(quickAck).toMatchObject({ ok: true });
    expect(await waiting).toMatchObject({ ok: true });
  });
});

describe('leases in batches', () => {
  it('raters of one task who ask together share a lease statement, each on a pair of their own within its target', async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 2 });
    await app.importPairs(task.id, app.demoPairs(30));
    const raters = await Promise.all(Array.from({ length: 24 }, () => warmedRater(task)));
    const leases = await Promise.all(raters.map(({ socket }) => next(socket, task.id)));
    expect(new Set(leases.map((l) => l.id)).size).toBe(24);
    const rows = await sql<{ xmin: string; rater_id: string; pair_id: string; met_before: boolean }>`
      SELECT a.xmin::text AS xmin, a.rater_id, a.pair_id,
        EXISTS (SELECT 1 FROM assignments b WHERE b.rater_id = a.rater_id AND b.pair_id = a.pair_id AND b.id <> a.id) AS met_before
      FROM assignments a WHERE a.task_id = ${task.id} AND a.status = 'leased'`.execute(app.db);
    expect(rows.rows).toHaveLength(24);
    expect(rows.rows.some((r) => r.met_before)).toBe(false);
    // Rows one transaction inserts share its id (xmin): fewer transactions than leases means leases were batched.
    expect(new Set(rows.rows.map((r) => r.xmin)).size).toBeLessThan(24);
    const over = await sql<{ id: string }>`
      SELECT id FROM pairs WHERE task_id = ${task.id} AND judgment_count + lease_count > target`.execute(app.db);
    expect(over.rows).toHaveLength(0);
    const slots = await sql<{ leased: number; counted: number }>`
      SELECT (SELECT count(*)::int FROM assignments WHERE task_id = ${task.id} AND status = 'leased') AS leased,
        (SELECT sum(lease_count)::int FROM pairs WHERE task_id = ${task.id}) AS counted`.execute(app.db);
    expect(slots.rows[0]!.counted).toBe(slots.rows[0]!.leased);
  });
});
