/**
 * The quality routes on a real server, with judgments made over socket.io as raters make them: the leaderboard,
 * per-rater figures, the task quality report, and who may see them.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  Assignment,
  LeaderboardResponse,
  RaterStatsResponse,
  TaskQualityResponse,
  TaskStats,
} from '@anchor/shared';
import { fitBradleyTerry } from '../src/quality/bradley-terry.js';
import { dawidSkene } from '../src/quality/dawid-skene.js';
import { alphaFromReliabilityData } from '../src/quality/krippendorff.js';
import { longestRun } from '../src/quality/raters.js';
import { emitAck, startTestApp, type TestApp, type TestSocket } from './harness.js';

let app: TestApp;
let token: string;
beforeAll(async () => {
  app = await startTestApp();
  token = await app.createAdminToken();
});
afterAll(() => app?.close());

interface Rater {
  id: string;
  socket: TestSocket;
  cookie: string;
  /** Screen choices submitted, in order. */
  choices: number[];
}

async function rater(options: Parameters<TestApp['createUser']>[0] = {}): Promise<Rater> {
  const user = await app.createUser(options);
  const cookie = await app.login(user.email, user.password);
  return { id: user.user.id, socket: await app.socket({ cookie }), cookie, choices: [] };
}

/** The demo pair's index, from its prompt ("Question i: ..."). */
const pairIndex = (a: Assignment) => Number(/Question (\d+):/.exec(JSON.stringify(a.prompt))?.[1] ?? NaN);

/** The screen choice for a pair-relative answer: A or B better (by `strength`), or a tie. */
function choiceFor(a: Assignment, prefer: 'A' | 'B' | 'tie', strength = 1): number {
  if (prefer === 'tie') return 0;
  const aOnLeft = a.left.text.startsWith('Answer A');
  return (prefer === 'A') === aOnLeft ? -strength : strength;
}

/** Judges every pair the server offers this rater, answering with `decide(pairIndex)`. */
async function judgeAll(
  r: Rater,
  taskId: string,
  decide: (
    i: number,
    a: Assignment,
  ) => { prefer: 'A' | 'B' | 'tie'; strength?: number; timeMs?: number } | { left: true },
): Promise<number> {
  let count = 0;
  for (;;) {
    const next = await emitAck(r.socket, 'assignment:next', { taskId });
    if (!('assignment' in next)) return count;
    const a = next.assignment;
    const answer = decide(pairIndex(a), a);
    const choice = 'left' in answer ? -1 : choiceFor(a, answer.prefer, answer.strength);
    const timeMs = 'left' in answer ? undefined : answer.timeMs;
    const ack = await emitAck(r.socket, 'judgment:submit', {
      assignmentId: a.id,
      key: randomUUID(),
      choice,
      ...(timeMs !== undefined ? { timeMs } : {}),
    });
    expect(ack, JSON.stringify(ack)).toMatchObject({ ok: true });
    r.choices.push(choice);
    count++;
  }
}

const get = <T>(path: string) => app.api<T>('GET', path, { token });

describe('GET /api/tasks/:id/leaderboard', () => {
  const models = ['atlas-7b', 'baobab-13b', 'cedar-70b'];
  const rank = (m: string) => models.indexOf(m);
  // app.demoPairs(6, {models: true}): pair i is models[i % 3] (A) against models[(i + 1) % 3] (B).
  const modelsOf = (i: number) => ({ a: models[i % 3]!, b: models[(i + 1) % 3]! });
  let taskId: string;

  beforeAll(async () => {
    // goldRate 1: each rater meets the gold pair (which names models) first; it must not count.
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 2, goldRate: 1 });
    taskId = task.id;
    const pairs = app.demoPairs(6, { prefix: 'lb', models: true });
    pairs.push({ ...app.demoPairs(1, { prefix: 'lb-gold', models: true })[0]!, gold: 'A' });
    await app.importPairs(taskId, pairs);
    const kenya = await rater({ country: 'KE' });
    const india = await rater({ country: 'IN' });
    // Kenya: atlas > baobab > cedar. India: the same, except cedar beats baobab and ties with atlas.
    const kenyaJudged = await judgeAll(kenya, taskId, (i) => {
      const { a, b } = modelsOf(i);
      return { prefer: rank(a) < rank(b) ? 'A' : 'B' };
    });
    const indiaJudged = await judgeAll(india, taskId, (i) => {
      const { a, b } = modelsOf(i);
      if ([a, b].includes('cedar-70b') && [a, b].includes('atlas-7b')) return { prefer: 'tie' };
      if ([a, b].includes('cedar-70b')) return { prefer: a === 'cedar-70b' ? 'A' : 'B' };
      return { prefer: rank(a) < rank(b) ? 'A' : 'B' };
    });
    expect([kenyaJudged, indiaJudged]).toEqual([7, 7]); // six pairs and the gold pair each
  });

  it('fits Bradley–Terry over the judgments with two models, sorted by rating, with counts and intervals', async () => {
    const res = await get<LeaderboardResponse>(`/api/tasks/${taskId}/leaderboard?rounds=100`);
    expect(res.status).toBe(200);
    const board = res.body;
    expect(board.battles).toBe(12);
    expect(board.regularized).toBe(false);
    expect(board.bootstrap).toEqual({ rounds: 100, seed: 1, confidence: 0.95 });
    expect(board.models.map((m) => m.model)).toEqual(['atlas-7b', 'cedar-70b', 'baobab-13b']);
    const byModel = Object.fromEntries(board.models.map((m) => [m.model, m]));
    expect(byModel['atlas-7b']).toMatchObject({ battles: 8, wins: 6, losses: 0, ties: 2 });
    expect(byModel['baobab-13b']).toMatchObject({ battles: 8, wins: 2, losses: 6, ties: 0 });
    expect(byModel['cedar-70b']).toMatchObject({ battles: 8, wins: 2, losses: 4, ties: 2 });

    const expected = fitBradleyTerry([
      { modelA: 'atlas-7b', modelB: 'baobab-13b', winsA: 4, winsB: 0, ties: 0 },
      { modelA: 'baobab-13b', modelB: 'cedar-70b', winsA: 2, winsB: 2, ties: 0 },
      { modelA: 'cedar-70b', modelB: 'atlas-7b', winsA: 0, winsB: 2, ties: 2 },
    ]);
    for (const m of board.models) {
      expect(m.rating).toBeCloseTo(expected.ratings[expected.models.indexOf(m.model)]!, 9);
      expect(m.ciLow).toBeLessThanOrEqual(m.rating);
      expect(m.ciHigh).toBeGreaterThanOrEqual(m.rating);
    }
    expect(board.models.reduce((s, m) => s + m.rating, 0) / 3).toBeCloseTo(1000, 9);

    // Seeded: the same request gives the same intervals.
    expect((await get<LeaderboardResponse>(`/api/tasks/${taskId}/leaderboard?rounds=100`)).body).toEqual(board);
  });

  it('narrows to one rater group, or gives one board per group', async () => {
    const kenya = (await get<LeaderboardResponse>(`/api/tasks/${taskId}/leaderboard?group=ke&rounds=20`)).body;
    expect(kenya).toMatchObject({ groupBy: 'country', group: 'KE', battles: 6, regularized: true });
    expect(kenya.models.map((m) => m.model)).toEqual(['atlas-7b', 'baobab-13b', 'cedar-70b']);
    expect(kenya.models[0]).toMatchObject({ battles: 4, wins: 4, losses: 0, ties: 0 });

    const grouped = (await get<LeaderboardResponse>(`/api/tasks/${taskId}/leaderboard?groupBy=country&rounds=20`)).body;
    expect(grouped.battles).toBe(12);
    expect(grouped.groups!.map((g) => [g.group, g.battles])).toEqual([
      ['IN', 6],
      ['KE', 6],
    ]);
    expect(grouped.groups![1]!.models).toEqual(kenya.models);
  });

  it('is empty for a task without models', async () => {
    const task = await app.createTask({ status: 'active' });
    const res = await get<LeaderboardResponse>(`/api/tasks/${task.id}/leaderboard`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ models: [], battles: 0 });
  });
});

describe('rater figures and the task quality report', () => {
  let taskId: string;
  let r1: Rater;
  let r2: Rater;
  let r3: Rater;
  // Pair-relative answers per pair index (see the leave-one-out arithmetic in the test below).
  const answers: Record<string, Array<'A' | 'B' | 'tie'>> = {
    r1: ['A', 'A', 'A', 'A'],
    r2: ['A', 'A', 'A', 'B'],
    r3: ['B', 'A', 'tie', 'B'],
  };
  const strength = (i: number) => (i % 2 === 0 ? 1 : 2);
  const preference = (p: 'A' | 'B' | 'tie', i: number) => (p === 'A' ? -strength(i) : p === 'B' ? strength(i) : 0);

  beforeAll(async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 3, scale: { points: 5 } });
    taskId = task.id;
    await app.importPairs(taskId, app.demoPairs(4, { prefix: 'q' }));
    r1 = await rater({ country: 'KE', languages: ['sw', 'en'] });
    r2 = await rater({ country: 'KE', languages: ['en'] });
    r3 = await rater({ country: 'IN' });
    const times1 = [1000, 2000, 4000, 8000];
    const times2 = [5000, 1000, 3000];
    let n1 = 0;
    let n2 = 0;
    expect(
      await judgeAll(r1, taskId, (i) => ({ prefer: answers.r1![i]!, strength: strength(i), timeMs: times1[n1++] })),
    ).toBe(4);
    expect(
      await judgeAll(r2, taskId, (i) => ({ prefer: answers.r2![i]!, strength: strength(i), timeMs: times2[n2++] })),
    ).toBe(4); // the fourth has no time
    expect(await judgeAll(r3, taskId, (i) => ({ prefer: answers.r3![i]!, strength: strength(i) }))).toBe(4);
  });

  const leftShare = (choices: number[]) => choices.filter((c) => c < 0).length / choices.filter((c) => c !== 0).length;

  it('GET /api/raters/:id/stats: counts, medians (even and odd), left share, leave-one-out agreement', async () => {
    const s1 = (await get<RaterStatsResponse>(`/api/raters/${r1.id}/stats?taskId=${taskId}`)).body;
    expect(s1).toMatchObject({
      raterId: r1.id,
      taskId,
      judgments: 4,
      goldJudgments: 0,
      goldAccuracy: null,
      timedJudgments: 4,
      medianTimeMs: 3000, // (2000 + 4000) / 2
      tooFastShare: 0.5, // 1000 and 2000 are under 3000
      // Others' majority: pair 0 A/B split (skipped), pair 1 A (agree), pair 2 A/tie split (skipped), pair 3 B.
      agreementWithMajority: 0.5,
      agreementPairs: 2,
      thresholds: { tooFastMs: 3000, straightLiningRun: 10 },
    });
    expect(s1.leftShare).toBe(leftShare(r1.choices));
    expect(s1.longestRun).toBe(longestRun(r1.choices));

    const s2 = (await get<RaterStatsResponse>(`/api/raters/${r2.id}/stats?taskId=${taskId}`)).body;
    expect(s2).toMatchObject({ judgments: 4, timedJudgments: 3, medianTimeMs: 3000, tooFastShare: 1 / 3 });
    expect(s2).toMatchObject({ agreementWithMajority: 1, agreementPairs: 1 }); // only pair 1 has a clear majority

    const s3 = (await get<RaterStatsResponse>(`/api/raters/${r3.id}/stats`)).body; // over all tasks: the same here
    expect(s3).toMatchObject({ taskId: null, judgments: 4, medianTimeMs: null, tooFastShare: null, timedJudgments: 0 });
    expect(s3).toMatchObject({ agreementWithMajority: 1 / 3, agreementPairs: 3 });
    expect(s3.leftShare).toBe(leftShare(r3.choices));
    expect(s3.nonTieJudgments).toBe(3);

    // Thresholds can be changed per request.
    const strict = (await get<RaterStatsResponse>(`/api/raters/${r1.id}/stats?tooFastMs=5000&straightLiningRun=2`))
      .body;
    expect(strict.tooFastShare).toBe(0.75);
    expect(strict.straightLining).toBe(longestRun(r1.choices) >= 2);
  });

  it('GET /api/tasks/:id/quality: α overall and per group, position bias, per-rater figures and Dawid–Skene', async () => {
    const res = await get<TaskQualityResponse>(`/api/tasks/${taskId}/quality`);
    expect(res.status).toBe(200);
    const q = res.body;
    const stats = (await get<TaskStats>(`/api/tasks/${taskId}/stats`)).body;
    expect(q.agreement.alphaOrdinal).toBeCloseTo(stats.agreement.alphaOrdinal!, 12);
    expect(q.agreement.alphaNominal).toBeCloseTo(stats.agreement.alphaNominal!, 12);
    expect(q.positionBias.leftShare).toBe(stats.positionBias.leftShare);

    const prefs = (who: 'r1' | 'r2' | 'r3') => answers[who]!.map((p, i) => preference(p, i));
    expect(q.agreement.alphaOrdinal).toBeCloseTo(
      alphaFromReliabilityData([prefs('r1'), prefs('r2'), prefs('r3')], 'ordinal')!,
      12,
    );
    expect(q.agreement.groupBy).toBe('country');
    const sign = (xs: number[]) => xs.map(Math.sign);
    expect(q.agreement.byGroup).toEqual([
      { group: 'IN', alphaOrdinal: null, alphaNominal: null, judgments: 4, raters: 1 },
      {
        group: 'KE',
        alphaOrdinal: alphaFromReliabilityData([prefs('r1'), prefs('r2')], 'ordinal'),
        alphaNominal: alphaFromReliabilityData([sign(prefs('r1')), sign(prefs('r2'))], 'nominal'),
        judgments: 8,
        raters: 2,
      },
    ]);

    const byLanguage = (await get<TaskQualityResponse>(`/api/tasks/${taskId}/quality?groupBy=language`)).body;
    expect(byLanguage.agreement.byGroup.map((g) => [g.group, g.judgments, g.raters])).toEqual([
      [null, 4, 1],
      ['en', 8, 2],
      ['sw', 4, 1],
    ]);

    const raters = Object.fromEntries(q.raters.map((r) => [r.raterId, r]));
    expect(Object.keys(raters).sort()).toEqual([r1.id, r2.id, r3.id].sort());
    expect(raters[r1.id]).toMatchObject({
      judgments: 4,
      medianTimeMs: 3000,
      agreementWithMajority: 0.5,
      country: 'KE',
    });
    expect(raters[r3.id]).toMatchObject({ agreementWithMajority: 1 / 3, tooFastShare: null, straightLining: false });
    expect(q.positionBias.byRater).toEqual(
      q.raters.map((r) => ({ raterId: r.raterId, leftShare: r.leftShare, nonTieJudgments: r.nonTieJudgments })),
    );

    expect(q.dawidSkene).toMatchObject({ classes: ['A', 'tie', 'B'], pairs: 4, judgments: 12, converged: true });
    expect(q.dawidSkene.priors.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (const r of q.raters) {
      expect(r.dawidSkeneAccuracy).toBeGreaterThanOrEqual(0);
      expect(r.dawidSkeneAccuracy).toBeLessThanOrEqual(1);
      expect(r.dawidSkeneConfusion).toHaveLength(3);
      for (const row of r.dawidSkeneConfusion!) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    }
    // The same fit as the pure function on the same (pair, rater, sign) triples.
    const who = ['r1', 'r2', 'r3'] as const;
    const obs = { item: [] as number[], worker: [] as number[], label: [] as number[] };
    who.forEach((w, k) =>
      answers[w]!.forEach((p, i) => {
        obs.item.push(i);
        obs.worker.push(k);
        obs.label.push(p === 'A' ? 0 : p === 'tie' ? 1 : 2);
      }),
    );
    const ds = dawidSkene(obs, { items: 4, workers: 3, classes: 3 });
    [r1, r2, r3].forEach((r, k) => expect(raters[r.id]!.dawidSkeneAccuracy).toBeCloseTo(ds.accuracy[k]!, 9));
    q.dawidSkene.priors.forEach((p, k) => expect(p).toBeCloseTo(ds.priors[k]!, 9));
    expect(q.thresholds).toEqual({ tooFastMs: 3000, straightLiningRun: 10 });
  });

  it('gold accuracy and straight-lining', async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 1, goldRate: 1 });
    const gold = app
      .demoPairs(2, { prefix: 'g' })
      .map((p, i) => ({ ...p, prompt: `Gold question ${i}`, gold: 'A' as const }));
    await app.importPairs(task.id, [...gold, ...app.demoPairs(3, { prefix: 'w' })]);
    const r = await rater();
    // Gold: A on the first one served, B on the second; then always the left response (straight-lining).
    let goldSeen = 0;
    await judgeAll(r, task.id, (_i, a) =>
      JSON.stringify(a.prompt).includes('Gold') ? { prefer: goldSeen++ === 0 ? 'A' : 'B' } : { left: true },
    );
    expect(goldSeen).toBe(2);
    const s = (await get<RaterStatsResponse>(`/api/raters/${r.id}/stats?taskId=${task.id}&straightLiningRun=3`)).body;
    expect(s).toMatchObject({ judgments: 5, goldJudgments: 2, goldAccuracy: 0.5 });
    expect(r.choices.slice(2)).toEqual([-1, -1, -1]);
    expect(s.longestRun).toBe(longestRun(r.choices));
    expect(s.longestRun).toBeGreaterThanOrEqual(3);
    expect(s.straightLining).toBe(true);
    expect(s.leftShare).toBe(leftShare(r.choices));
    expect((await get<RaterStatsResponse>(`/api/raters/${r.id}/stats?taskId=${task.id}`)).body.straightLining).toBe(
      false,
    );
  });
});

describe('access and errors', () => {
  it('answers 403 to raters, 404 for unknown tasks and raters, 400 for bad ids and parameters', async () => {
    const task = await app.createTask({ status: 'active' });
    const r = await rater();
    for (const path of [
      `/api/tasks/${task.id}/leaderboard`,
      `/api/tasks/${task.id}/quality`,
      `/api/raters/${r.id}/stats`,
    ])
      expect((await app.api('GET', path, { cookie: r.cookie })).status).toBe(403);

    const unknown = randomUUID();
    for (const path of [
      `/api/tasks/${unknown}/leaderboard`,
      `/api/tasks/${unknown}/quality`,
      `/api/raters/${unknown}/stats`,
      `/api/raters/${r.id}/stats?taskId=${unknown}`,
    ]) {
      const res = await get<{ error: { code: string } }>(path);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    for (const path of [
      '/api/tasks/nope/leaderboard',
      '/api/tasks/nope/quality',
      '/api/raters/nope/stats',
      `/api/raters/${r.id}/stats?taskId=nope`,
      `/api/tasks/${task.id}/leaderboard?rounds=abc`,
      `/api/tasks/${task.id}/leaderboard?rounds=5000`,
      `/api/tasks/${task.id}/quality?tooFastMs=-1`,
    ]) {
      const res = await get<{ error: { code: string } }>(path);
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    // A rater without judgments: zeros and nulls, not an error.
    expect((await get<RaterStatsResponse>(`/api/raters/${r.id}/stats`)).body).toMatchObject({
      judgments: 0,
      medianTimeMs: null,
      goldAccuracy: null,
      agreementWithMajority: null,
      leftShare: null,
      longestRun: 0,
    });
  });
});
