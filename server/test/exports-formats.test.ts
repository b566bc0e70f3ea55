import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Assignment, ExportManifest, PairInput, Task } from '@anchor/shared';
import { textLiteral } from '../src/modules/exports/export.sql.js';
import { verifyChain } from '../src/modules/exports/judgment-chain.repository.js';
import { genesisHash } from '../src/modules/exports/judgment-chain.js';
import { annotationsToParquet } from '../src/modules/exports/parquet.js';
import { coincidences, krippendorffAlpha } from '../src/quality/krippendorff.js';
import { emitAck, startTestApp, type TestApp, type TestSocket, type TestUser } from './harness.js';

/**
 * Every export format and filter against what simulated raters submitted over sockets, the Parquet file through an
 * independent reader (hyparquet), manifests against the served bytes, the dataset card, and the judgment chain.
 */
let app: TestApp;
let token: string;
let task: Task;

type Rater = 'r1' | 'r2' | 'r3' | 'r4';
const raters = {} as Record<Rater, TestUser>;

/** A tag value that needs escaping in SQL: a single quote, a double quote and a backslash. */
const QUOTED = `grandma's "visit" \\ n`;

interface Plan {
  pair: PairInput & { externalId: string };
  /** Preference relative to A/B (negative: A better) per rater, or a skip. */
  votes: Record<Rater, number | 'skip'>;
}

// r4 votes −2 everywhere and is then paused in the task: every default export must look as if r4 never rated.
const plans: Plan[] = [
  {
    pair: {
      externalId: 'p-b',
      prompt: 'Greet my partner’s grandmother',
      responseA: { text: 'A: Hey!', model: 'atlas-7b' },
      responseB: { text: 'B: Good evening, Teta', model: 'baobab-13b' },
      tags: { topic: QUOTED, region: 'MENA' },
    },
    votes: { r1: 2, r2: 1, r3: 1, r4: -2 },
  },
  {
    pair: {
      externalId: 'p-a',
      prompt: 'Thank a colleague',
      responseA: { text: 'A: Thank you so much.', model: 'cedar-70b' },
      responseB: { text: 'B: thx', model: 'atlas-7b' },
      tags: { topic: 'thanks', region: 'MENA' },
    },
    votes: { r1: -1, r2: -2, r3: 1, r4: -2 },
  },
  {
    pair: {
      externalId: 'p-split',
      prompt: 'Pick a colour',
      responseA: { text: 'A: Blue', model: 'atlas-7b' },
      responseB: { text: 'B: Green', model: 'cedar-70b' },
      tags: { topic: 'colour' },
    },
    votes: { r1: -2, r2: 1, r3: 1, r4: -2 },
  },
  {
    pair: {
      externalId: 'p-weak',
      prompt: 'Name a fruit',
      responseA: { text: 'A: Apple', model: 'baobab-13b' },
      responseB: { text: 'B: Mango', model: 'cedar-70b' },
    },
    votes: { r1: 0, r2: 0, r3: 1, r4: -2 },
  },
  {
    pair: {
      externalId: 'p-chat',
      prompt: [
        { role: 'system', content: 'You are polite.' },
        { role: 'user', content: 'How do I greet elders in Nairobi?' },
      ],
      responseA: { text: 'A: Just wave.' },
      responseB: { text: 'B: Shikamoo.' },
    },
    votes: { r1: 1, r2: 2, r3: -1, r4: -2 },
  },
  {
    pair: {
      externalId: 'p-gold',
      prompt: 'Which answer is correct: 2 + 2?',
      responseA: { text: 'A: 4', model: 'atlas-7b' },
      responseB: { text: 'B: 5', model: 'baobab-13b' },
      gold: 'A',
    },
    votes: { r1: -2, r2: -1, r3: -1, r4: -1 },
  },
  {
    pair: {
      externalId: 'p-none',
      prompt: 'Nobody rates this one',
      responseA: { text: 'A: skipped' },
      responseB: { text: 'B: skipped' },
    },
    votes: { r1: 'skip', r2: 'skip', r3: 'skip', r4: 'skip' },
  },
];
const planOf = (externalId: string) => plans.find((p) => p.pair.externalId === externalId)!;

/** Instants between the raters' sessions: r1 judged before t1, r2 and r3 after it. */
let t1: string;

async function nextAssignment(socket: TestSocket, taskId: string): Promise<Assignment | undefined> {
  const result = await emitAck(socket, 'assignment:next', { taskId });
  return 'assignment' in result ? result.assignment : undefined;
}

async function rate(name: Rater): Promise<void> {
  const rater = raters[name];
  const socket = await app.socket({ cookie: await app.login(rater.email, rater.password) });
  for (let a = await nextAssignment(socket, task.id); a; a = await nextAssignment(socket, task.id)) {
    const left = a.left.text;
    const plan = plans.find((p) => p.pair.responseA.text === left || p.pair.responseB.text === left)!;
    const vote = plan.votes[name];
    if (vote === 'skip') {
      expect(await emitAck(socket, 'assignment:skip', { assignmentId: a.id })).toEqual({ ok: true });
      continue;
    }
    const shownAFirst = left === plan.pair.responseA.text;
    const ack = await emitAck(socket, 'judgment:submit', {
      assignmentId: a.id,
      key: randomUUID(),
      choice: shownAFirst ? vote : -vote,
      timeMs: 1000,
      ...(name === 'r1' ? { rationale: `r1 on ${plan.pair.externalId}`, flags: ['cannot_judge'] } : {}),
    });
    expect(ack).toMatchObject({ ok: true });
  }
  socket.disconnect();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function query(format: string, params: Record<string, string> = {}): string {
  return new URLSearchParams({ format, ...params }).toString();
}

async function exportBytes(qs: string, taskId = task.id): Promise<{ status: number; bytes: Buffer; headers: Headers }> {
  const res = await fetch(`${app.url}/api/tasks/${taskId}/export?${qs}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}

async function exportRows(format: string, params: Record<string, string> = {}): Promise<Record<string, unknown>[]> {
  const res = await exportBytes(query(format, params));
  expect(res.status, res.bytes.toString()).toBe(200);
  const text = res.bytes.toString('utf8');
  if (text === '') return [];
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function manifestOf(qs: string, taskId = task.id): Promise<ExportManifest> {
  const res = await app.api<{ manifest: ExportManifest }>('GET', `/api/tasks/${taskId}/export/manifest?${qs}`, {
    token,
  });
  expect(res.status, res.text).toBe(200);
  return res.body.manifest;
}

const ids = (rows: Record<string, unknown>[], key = 'externalId') => rows.map((r) => r[key]);

/** The non-paused raters' votes on a pair (r1–r3). */
const votesOf = (externalId: string) => (['r1', 'r2', 'r3'] as const).map((r) => planOf(externalId).votes[r] as number);

beforeAll(async () => {
  app = await startTestApp();
  token = await app.createAdminToken();
  raters.r1 = await app.createUser({ country: 'EG', languages: ['ar', 'en'] });
  raters.r2 = await app.createUser({ country: 'KE', languages: ['sw'] });
  raters.r3 = await app.createUser({ country: 'BR', languages: ['pt'] });
  raters.r4 = await app.createUser({ country: 'IN', languages: ['hi'] });
  task = await app.createTask({
    name: 'Formats',
    status: 'active',
    judgmentsPerPair: 4,
    scale: { points: 5 },
    goldRate: 1, // each rater meets the gold pair first
  });
  expect(
    await app.importPairs(
      task.id,
      plans.map((p) => p.pair),
    ),
  ).toMatchObject({ inserted: plans.length });
  await rate('r1');
  await sleep(30);
  t1 = new Date().toISOString();
  await sleep(30);
  for (const r of ['r2', 'r3', 'r4'] as const) await rate(r);
  const res = await app.api('PATCH', `/api/tasks/${task.id}/raters/${raters.r4.user.id}`, {
    token,
    body: { status: 'paused' },
  });
  expect(res.status, res.text).toBe(200);
}, 60_000);
afterAll(() => app?.close());

describe('pair formats (dpo, reward, kto, openai)', () => {
  it('dpo: the mean decides, ties and unjudged pairs are dropped, gold and paused raters left out', async () => {
    const rows = await exportRows('dpo');
    expect(ids(rows)).toEqual(['p-b', 'p-a', 'p-weak', 'p-chat']);
    const byId: Record<string, Record<string, unknown>> = Object.fromEntries(rows.map((r) => [r.externalId, r]));
    expect(byId['p-b']).toMatchObject({
      prompt: planOf('p-b').pair.prompt,
      chosen: 'B: Good evening, Teta',
      rejected: 'A: Hey!',
      chosenModel: 'baobab-13b',
      rejectedModel: 'atlas-7b',
      judgments: 3,
      tags: { topic: QUOTED, region: 'MENA' },
    });
    expect(byId['p-b']!.meanPreference).toBeCloseTo(4 / 3);
    expect(byId['p-a']).toMatchObject({ chosen: 'A: Thank you so much.', rejected: 'B: thx', judgments: 3 });
    expect(byId['p-a']!.meanPreference).toBeCloseTo(-2 / 3);
    expect(byId['p-chat']).toMatchObject({
      chosen: [{ role: 'assistant', content: 'B: Shikamoo.' }],
      rejected: [{ role: 'assistant', content: 'A: Just wave.' }],
    });
    const manifest = await manifestOf(query('dpo'));
    expect(manifest.counts).toEqual({ rows: 4, judgments: 12, pairs: 4 });
    expect(manifest.dropped).toEqual({
      gold: 4,
      filtered: 0,
      pausedRaters: 5,
      unjudged: 1,
      belowAgreement: 0,
      ties: 1,
    });
    expect(manifest.raters).toEqual({
      count: 3,
      byCountry: { BR: 1, EG: 1, KE: 1 },
      byLanguage: { ar: 1, en: 1, pt: 1, sw: 1 },
    });
  });

  it('majority: the side with more votes wins, so a split the mean calls a tie is decided', async () => {
    const rows = await exportRows('reward', { aggregate: 'majority' });
    expect(ids(rows)).toEqual(['p-b', 'p-a', 'p-split', 'p-weak', 'p-chat']);
    const split = rows.find((r) => r.externalId === 'p-split')!;
    expect(split).toMatchObject({ chosen: 'B: Green', rejected: 'A: Blue' });
    // (winning − losing votes) / judgments
    expect(rows.map((r) => r.margin)).toEqual(
      [1, 1 / 3, 1 / 3, 1 / 3, 1 / 3].map((m): unknown => expect.closeTo(m, 10)),
    );
    expect((await manifestOf(query('reward', { aggregate: 'majority' }))).dropped).toMatchObject({ ties: 0 });
  });

  it('reward: dpo rows with margin = |mean preference|', async () => {
    const dpo = await exportRows('dpo');
    const reward = await exportRows('reward');
    expect(reward.map(({ margin: _margin, ...rest }) => rest)).toEqual(dpo);
    expect(reward.map((r) => r.margin)).toEqual(
      dpo.map((r): unknown => expect.closeTo(Math.abs(r.meanPreference as number), 10)),
    );
    expect(reward.every((r) => (r.margin as number) > 0)).toBe(true);
    expect(Object.keys(reward[0]!).slice(0, 4)).toEqual(['prompt', 'chosen', 'rejected', 'margin']);
  });

  it('aggregate=none: one row per non-tie judgment, ties counted as dropped', async () => {
    const rows = await exportRows('dpo', { aggregate: 'none' });
    const nonTie = plans
      .filter((p) => !p.pair.gold && p.pair.externalId !== 'p-none')
      .flatMap((p) =>
        votesOf(p.pair.externalId)
          .filter((v) => v !== 0)
          .map((v) => [p.pair.externalId, v]),
      );
    expect(rows).toHaveLength(nonTie.length); // 13
    expect(rows.map((r) => [r.externalId, r.preference]).sort()).toEqual(nonTie.sort());
    for (const row of rows) {
      const plan = planOf(row.externalId as string).pair;
      const aWins = (row.preference as number) < 0;
      if (typeof plan.prompt === 'string') {
        expect(row.chosen).toBe(aWins ? plan.responseA.text : plan.responseB.text);
      }
      expect(row.raterId).toMatch(/^r_[0-9a-f]{16}$/);
      expect(row.judgmentId).toEqual(expect.any(String));
    }
    const manifest = await manifestOf(query('dpo', { aggregate: 'none' }));
    expect(manifest.counts).toEqual({ rows: 13, judgments: 13, pairs: 5 });
    expect(manifest.dropped.ties).toBe(2);
  });

  it('kto: each dpo row gives the chosen completion labelled true, then the rejected labelled false', async () => {
    const dpo = await exportRows('dpo');
    const kto = await exportRows('kto');
    expect(kto).toEqual(
      dpo.flatMap((d) => [
        { prompt: d.prompt, completion: d.chosen, label: true, pairId: d.pairId, externalId: d.externalId },
        { prompt: d.prompt, completion: d.rejected, label: false, pairId: d.pairId, externalId: d.externalId },
      ]),
    );
    expect((await manifestOf(query('kto'))).counts).toEqual({ rows: 8, judgments: 12, pairs: 4 });
  });

  it('openai: input.messages, preferred_output and non_preferred_output, one per dpo row', async () => {
    const dpo = await exportRows('dpo');
    const openai = await exportRows('openai');
    expect(openai).toHaveLength(dpo.length);
    openai.forEach((row, i) => {
      const d = dpo[i]!;
      const messages = typeof d.prompt === 'string' ? [{ role: 'user', content: d.prompt }] : (d.prompt as unknown[]);
      const text = (v: unknown) => (typeof v === 'string' ? v : (v as Array<{ content: string }>)[0]!.content);
      expect(row).toEqual({
        input: { messages },
        preferred_output: [{ role: 'assistant', content: text(d.chosen) }],
        non_preferred_output: [{ role: 'assistant', content: text(d.rejected) }],
      });
    });
    expect(openai[3]!.input).toEqual({ messages: planOf('p-chat').pair.prompt });
  });
});

describe('filters', () => {
  it('minAgreement keeps pairs whose share of votes agreeing with the verdict reaches it', async () => {
    expect(ids(await exportRows('dpo', { minAgreement: '0.6' }))).toEqual(['p-b', 'p-a', 'p-chat']);
    expect(ids(await exportRows('dpo', { minAgreement: '0.7' }))).toEqual(['p-b']);
    expect(ids(await exportRows('dpo', { minAgreement: '1' }))).toEqual(['p-b']);
    const manifest = await manifestOf(query('dpo', { minAgreement: '0.7' }));
    expect(manifest.dropped).toMatchObject({ belowAgreement: 3, ties: 1 });
    expect(manifest.filters.minAgreement).toBe(0.7);
    // The judgment-level formats keep every judgment of the passing pairs.
    const annotations = await exportRows('annotations', { minAgreement: '0.7' });
    expect(annotations.map((r) => r.externalId)).toEqual(['p-b', 'p-b', 'p-b']);
  });

  it('includeGold=true adds the gold pairs, which are left out (and counted) by default', async () => {
    expect(ids(await exportRows('dpo'))).not.toContain('p-gold');
    const rows = await exportRows('dpo', { includeGold: 'true' });
    expect(ids(rows)).toEqual(['p-b', 'p-a', 'p-weak', 'p-chat', 'p-gold']);
    expect(rows.at(-1)).toMatchObject({ chosen: 'A: 4', judgments: 3 });
    const manifest = await manifestOf(query('dpo', { includeGold: 'true' }));
    expect(manifest.filters.includeGold).toBe(true);
    expect(manifest.dropped).toMatchObject({ gold: 0, pausedRaters: 6 });
    expect((await exportRows('annotations', { includeGold: 'true' })).filter((r) => r.gold === 'A')).toHaveLength(3);
  });

  it('tag.KEY=VALUE matches pair tags exactly, quotes and backslashes included', async () => {
    expect(ids(await exportRows('dpo', { 'tag.topic': QUOTED }))).toEqual(['p-b']);
    expect(ids(await exportRows('dpo', { 'tag.region': 'MENA' }))).toEqual(['p-b', 'p-a']);
    expect(ids(await exportRows('dpo', { 'tag.region': 'MENA', 'tag.topic': 'thanks' }))).toEqual(['p-a']);
    expect(await exportRows('dpo', { 'tag.topic': `grandma's` })).toEqual([]);
    expect(await exportRows('dpo', { "tag.it's": "x' OR '1'='1" })).toEqual([]);
    const manifest = await manifestOf(query('dpo', { 'tag.topic': QUOTED }));
    expect(manifest.filters.tags).toEqual({ topic: QUOTED });
    expect(manifest.counts).toEqual({ rows: 1, judgments: 3, pairs: 1 });
    expect(manifest.dropped).toMatchObject({ filtered: 16, pausedRaters: 1, unjudged: 0 });
  });

  it('writes text literals that mean the same with standard_conforming_strings off', async () => {
    const client = new pg.Client({ connectionString: app.databaseUrl });
    await client.connect();
    try {
      for (const value of [QUOTED, `\\'; SELECT 1; --`, `end\\`, `''\\\\''`]) {
        const text = sql`SELECT ${textLiteral(value)} AS v`.compile(app.db).sql;
        for (const setting of ['on', 'off']) {
          await client.query(`SET standard_conforming_strings = ${setting}`);
          expect((await client.query<{ v: string }>(text)).rows[0]!.v).toBe(value);
        }
      }
    } finally {
      await client.end();
    }
  });

  it('country=XX keeps that country’s raters only', async () => {
    const rows = await exportRows('dpo', { country: 'ke' });
    // r2 alone: +1, −2, +1, 0 (a tie), +2
    expect(ids(rows)).toEqual(['p-b', 'p-a', 'p-split', 'p-chat']);
    expect(rows.every((r) => r.judgments === 1)).toBe(true);
    const manifest = await manifestOf(query('dpo', { country: 'KE' }));
    expect(manifest.filters.country).toBe('KE');
    expect(manifest.raters).toEqual({ count: 1, byCountry: { KE: 1 }, byLanguage: { sw: 1 } });
    expect(manifest.dropped).toMatchObject({ gold: 4, filtered: 15, pausedRaters: 0, ties: 1 });
  });

  it('leaves out raters paused in the task, and takes them back when resumed', async () => {
    const paused = await exportRows('annotations');
    expect(paused).toHaveLength(15);
    expect(new Set(paused.map((r) => r.country))).toEqual(new Set(['EG', 'KE', 'BR']));
    const resume = (status: string) =>
      app.api('PATCH', `/api/tasks/${task.id}/raters/${raters.r4.user.id}`, { token, body: { status } });
    expect((await resume('active')).status).toBe(200);
    try {
      const active = await exportRows('dpo');
      // r4's −2 everywhere turns the split and the weak B into A wins, and the chat into a tie.
      expect(ids(active)).toEqual(['p-b', 'p-a', 'p-split', 'p-weak']);
      expect(active.find((r) => r.externalId === 'p-weak')).toMatchObject({ chosen: 'A: Apple', judgments: 4 });
      expect((await manifestOf(query('dpo'))).dropped.pausedRaters).toBe(0);
    } finally {
      expect((await resume('paused')).status).toBe(200);
    }
    expect(ids(await exportRows('dpo'))).toEqual(['p-b', 'p-a', 'p-weak', 'p-chat']);
  });

  it('from/to narrow to judgments created in [from, to)', async () => {
    const after = await exportRows('annotations', { from: t1 });
    expect(new Set(after.map((r) => r.country))).toEqual(new Set(['KE', 'BR']));
    expect(after).toHaveLength(10);
    const before = await exportRows('annotations', { to: t1 });
    expect(new Set(before.map((r) => r.country))).toEqual(new Set(['EG']));
    expect(before).toHaveLength(5);
    // r1 alone: +2, −1, −2, 0 (a tie), +1
    expect(ids(await exportRows('dpo', { to: t1 }))).toEqual(['p-b', 'p-a', 'p-split', 'p-chat']);
    expect(await exportRows('dpo', { from: '2000-01-01', to: '2000-01-02' })).toEqual([]);
    const manifest = await manifestOf(query('annotations', { from: t1 }));
    expect(manifest.filters).toMatchObject({ from: t1, to: null });
    expect(manifest.dropped).toMatchObject({ filtered: 5, unjudged: 1 });
  });

  it('refuses malformed filters with 400 validation_failed', async () => {
    const invalid: Array<Record<string, string>> = [
      { aggregate: 'median' },
      { minAgreement: '1.5' },
      { minAgreement: '-0.1' },
      { minAgreement: 'half' },
      { includeGold: 'yes' },
      { country: 'KEN' },
      { from: 'yesterday' },
      { from: '2026-02-01', to: '2026-01-01' },
      { 'tag.': 'x' },
      { minagreement: '0.5' },
    ];
    for (const params of invalid) {
      const res = await app.api<{ error: { code: string } }>(
        'GET',
        `/api/tasks/${task.id}/export?${query('dpo', params)}`,
        { token },
      );
      expect(res.status, JSON.stringify(params)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
  });
});

describe('judgment-level formats', () => {
  it('disagreements: every kept vote per judged pair, counts per sign and pAOverB', async () => {
    const rows = await exportRows('disagreements');
    expect(ids(rows)).toEqual(['p-b', 'p-a', 'p-split', 'p-weak', 'p-chat']);
    for (const row of rows) {
      const votes = votesOf(row.externalId as string);
      const a = votes.filter((v) => v < 0).length;
      const b = votes.filter((v) => v > 0).length;
      const tie = votes.filter((v) => v === 0).length;
      expect(row.counts).toEqual({ a, b, tie });
      expect(row.judgments).toBe(3);
      expect(row.pAOverB).toBeCloseTo((a + tie / 2) / 3, 10);
      expect((row.votes as Array<{ preference: number }>).map((v) => v.preference).sort()).toEqual([...votes].sort());
      expect((row.votes as Array<{ raterId: string }>).every((v) => /^r_[0-9a-f]{16}$/.test(v.raterId))).toBe(true);
    }
    expect(rows.map((r) => r.verdict)).toEqual(['B', 'A', 'tie', 'B', 'B']);
    expect(rows[0]).toMatchObject({ responseA: 'A: Hey!', responseB: 'B: Good evening, Teta', modelA: 'atlas-7b' });
    const manifest = await manifestOf(query('disagreements'));
    expect(manifest.counts).toEqual({ rows: 5, judgments: 15, pairs: 5 });
    expect(manifest.dropped).not.toHaveProperty('ties');
  });

  it('battles: one row per judgment with both models named, ties kept as "tie"', async () => {
    const rows = await exportRows('battles');
    expect(rows).toHaveLength(12); // p-b, p-a, p-split, p-weak by r1–r3; p-chat names no models
    for (const row of rows) {
      const plan = planOf(row.question_id as string).pair;
      expect(row.model_a).toBe(plan.responseA.model);
      expect(row.model_b).toBe(plan.responseB.model);
      expect(row.judge).toMatch(/^r_[0-9a-f]{16}$/);
      expect(row.tstamp).toEqual(expect.any(Number));
    }
    const winners = (id: string) =>
      rows
        .filter((r) => r.question_id === id)
        .map((r) => r.winner)
        .sort();
    expect(winners('p-b')).toEqual(['model_b', 'model_b', 'model_b']);
    expect(winners('p-a')).toEqual(['model_a', 'model_a', 'model_b']);
    expect(winners('p-weak')).toEqual(['model_b', 'tie', 'tie']);
    expect(Object.keys(rows[0]!).slice(0, 3)).toEqual(['model_a', 'model_b', 'winner']);
    expect((await manifestOf(query('battles'))).dropped).toMatchObject({ noModels: 3 });
  });

  it('annotations carry rater profile, timings, flags, rationale, shown side and chain position', async () => {
    const rows = await exportRows('annotations');
    const r1 = rows.find((r) => r.country === 'EG' && r.externalId === 'p-b')!;
    expect(r1).toMatchObject({
      preference: 2,
      rationale: 'r1 on p-b',
      flags: ['cannot_judge'],
      timeMs: 1000,
      languages: ['ar', 'en'],
      raterAttributes: {},
      gold: null,
      chainHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(r1.shownLeft).toBe(r1.shownAFirst ? 'A' : 'B');
    expect(Date.parse(r1.leasedAt as string)).toBeLessThanOrEqual(Date.parse(r1.createdAt as string));
    expect(r1.chainIndex).toEqual(expect.any(Number));
  });

  it('parquet: the annotations, read back by an independent reader', async () => {
    const res = await exportBytes(query('parquet'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="formats-parquet.parquet"');
    expect(res.bytes.subarray(0, 4).toString()).toBe('PAR1');
    expect(res.bytes.subarray(-4).toString()).toBe('PAR1');
    const file = arrayBuffer(res.bytes);
    const rows = await parquetReadObjects({ file });
    const annotations = await exportRows('annotations');
    expect(rows.map(normaliseParquet)).toEqual(annotations);
    expect(Number(parquetMetadata(file).num_rows)).toBe(15);
    // The same filters apply.
    const gold = await exportBytes(query('parquet', { includeGold: 'true', country: 'EG' }));
    const goldFile = arrayBuffer(gold.bytes);
    expect((await parquetReadObjects({ file: goldFile })).map(normaliseParquet)).toEqual(
      await exportRows('annotations', { includeGold: 'true', country: 'EG' }),
    );
  });

  it('parquet: streams row groups of bounded size, and an empty export is a valid file', async () => {
    const line = (i: number) =>
      JSON.stringify({
        judgmentId: `j${i}`,
        pairId: 'p',
        externalId: `e${i}`,
        raterId: 'r_0',
        preference: (i % 5) - 2,
        choice: 0,
        shownAFirst: i % 2 === 0,
        rationale: i % 3 === 0 ? null : `why ${i}`,
        flags: i % 4 === 0 ? [] : ['harmful'],
        timeMs: null,
        createdAt: '2026-11-25T10:00:00.000Z',
        country: null,
        languages: ['en'],
        scalePoints: 5,
        shownLeft: 'A',
        leasedAt: '2026-11-25T09:59:00.000Z',
        raterAttributes: { region: 'East Africa' },
        quotaGroup: null,
        gold: null,
        chainIndex: i,
        chainHash: null,
      }) + '\n';
    const collect = async (readable: Readable) => {
      const chunks: Buffer[] = [];
      for await (const chunk of readable) chunks.push(chunk as Buffer);
      return { chunks, file: arrayBuffer(Buffer.concat(chunks)) };
    };
    // Lines split at arbitrary chunk boundaries, 25 rows in groups of 10.
    const text = Buffer.from(Array.from({ length: 25 }, (_, i) => line(i)).join(''));
    const pieces = Array.from({ length: Math.ceil(text.length / 97) }, (_, i) => text.subarray(i * 97, i * 97 + 97));
    const { chunks, file } = await collect(annotationsToParquet(Readable.from(pieces), 'test', 10));
    expect(chunks.length).toBe(3); // each full row group as it fills, then the last one with the footer
    expect(parquetMetadata(file).row_groups.map((g) => Number(g.num_rows))).toEqual([10, 10, 5]);
    const rows = (await parquetReadObjects({ file })).map(normaliseParquet);
    expect(rows).toEqual(Array.from({ length: 25 }, (_, i) => JSON.parse(line(i)) as unknown));
    const empty = await collect(annotationsToParquet(Readable.from([])));
    expect(await parquetReadObjects({ file: empty.file })).toEqual([]);
  });
});

/** A copy of the bytes as the ArrayBuffer hyparquet reads. */
function arrayBuffer(bytes: Buffer): ArrayBuffer {
  return new Uint8Array(bytes).buffer;
}

/** Parquet values as the annotations' JSON writes them. */
function normaliseParquet(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => {
      if (v instanceof Date) return [k, v.toISOString()];
      if (typeof v === 'bigint') return [k, Number(v)];
      if (k === 'raterAttributes') return [k, JSON.parse(v as string) as unknown];
      return [k, v];
    }),
  );
}

describe('manifest and dataset card', () => {
  it('digests exactly the bytes the same request serves, for every format and several filters', async () => {
    const cases: Array<[string, Record<string, string>]> = [
      ['dpo', {}],
      ['dpo', { aggregate: 'none', country: 'BR' }],
      ['reward', { aggregate: 'majority', minAgreement: '0.5' }],
      ['kto', { 'tag.region': 'MENA' }],
      ['openai', { includeGold: 'true' }],
      ['annotations', { from: t1 }],
      ['csv', { includeGold: 'true', to: t1 }],
      ['disagreements', { aggregate: 'majority' }],
      ['battles', { minAgreement: '0.6' }],
      ['parquet', {}],
      ['parquet', { 'tag.topic': QUOTED }],
    ];
    for (const [format, params] of cases) {
      const qs = query(format, params);
      const served = await exportBytes(qs);
      expect(served.status, qs).toBe(200);
      const manifest = await manifestOf(qs);
      expect(manifest.format).toBe(format);
      expect(manifest.sha256, qs).toBe(createHash('sha256').update(served.bytes).digest('hex'));
      expect(manifest.bytes, qs).toBe(served.bytes.length);
    }
  });

  it('reports Krippendorff’s α and position bias over the kept judgments', async () => {
    const manifest = await manifestOf(query('annotations'));
    const units = ['p-b', 'p-a', 'p-split', 'p-weak', 'p-chat'].map(votesOf);
    expect(manifest.agreement.alphaOrdinal).toBeCloseTo(krippendorffAlpha(coincidences(units), 'ordinal')!, 10);
    expect(manifest.agreement.alphaNominal).toBeCloseTo(
      krippendorffAlpha(coincidences(units.map((u) => u.map(Math.sign))), 'nominal')!,
      10,
    );
    const rows = await exportRows('annotations');
    const nonTie = rows.filter((r) => r.choice !== 0);
    expect(manifest.positionBias.leftShare).toBeCloseTo(
      nonTie.filter((r) => (r.choice as number) < 0).length / nonTie.length,
      10,
    );
  });

  it('carries a Hugging Face dataset card with front matter and demographics, also served as README.md', async () => {
    const manifest = await manifestOf(query('dpo'));
    const card = manifest.datasetCard;
    const front = /^---\n([\s\S]*?)\n---\n/.exec(card)?.[1];
    expect(front).toBeDefined();
    expect(front).toContain('license: ');
    expect(front).toContain('task_categories:\n- text-generation');
    expect(front).toContain('language:\n- "ar"\n- "en"\n- "pt"\n- "sw"');
    expect(front).toContain('size_categories:\n- "n<1K"');
    expect(front).toContain('path: "formats-dpo.jsonl"');
    expect(card).toContain('## Annotator demographics');
    expect(card).toMatch(/\| BR \| 1 \|\n\| EG \| 1 \|\n\| KE \| 1 \|/);
    expect(card).toContain('## Annotation process');
    expect(card).toContain('## Annotation analysis');
    expect(card).toContain(manifest.sha256);
    expect(card).toContain(manifest.chain.head);
    expect(card).toContain('Gold (attention-check) pairs: excluded');

    const res = await fetch(`${app.url}/api/tasks/${task.id}/export/card?${query('dpo')}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="README.md"');
    expect(await res.text()).toBe(card);
  });
});

describe('tamper-evident judgment chain', () => {
  let chainTask: Task;
  const verifyCli = fileURLToPath(new URL('../dist/tools/verify-chain.js', import.meta.url));

  /** n judgments by one rater, straight into the tables (the rater loop is covered above). */
  async function addJudgments(taskId: string, n: number, prefix: string): Promise<void> {
    const pairs = Array.from({ length: n }, (_, i) => ({
      externalId: `${prefix}-${i}`,
      prompt: `Prompt ${i}`,
      responseA: { text: `a ${i}` },
      responseB: { text: `b ${i}` },
    }));
    expect(await app.importPairs(taskId, pairs)).toMatchObject({ inserted: n });
    const rater = (await app.createUser()).user.id;
    await sql`
      INSERT INTO assignments (task_id, pair_id, rater_id, shown_a_first, status, expires_at, finished_at)
      SELECT task_id, id, ${rater}, true, 'submitted', now(), now() FROM pairs
      WHERE task_id = ${taskId} AND external_id LIKE ${`${prefix}-%`}`.execute(app.db);
    await sql`
      INSERT INTO judgments (task_id, pair_id, rater_id, assignment_id, idempotency_key, choice, preference,
                             shown_a_first, rationale, flags, time_ms)
      SELECT task_id, pair_id, rater_id, id, gen_random_uuid(), 1, 1, true, 'r ' || pair_id, '{harmful}', 900
      FROM assignments WHERE task_id = ${taskId} AND rater_id = ${rater}`.execute(app.db);
  }

  const runCli = async (...args: string[]) => {
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [verifyCli, '--url', app.databaseUrl, ...args]);
      return { code: 0, stdout };
    } catch (err) {
      const e = err as { code: number; stdout: string };
      return { code: e.code, stdout: e.stdout };
    }
  };

  beforeAll(async () => {
    chainTask = await app.createTask({ name: 'Chain', judgmentsPerPair: 1 });
    await addJudgments(chainTask.id, 30, 'c');
  });

  it('is sealed in the background, without any export', async () => {
    const unsealed = () =>
      app.db
        .selectFrom('judgment_seal_queue')
        .where('task_id', '=', chainTask.id)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
        .then((r) => r.n);
    await expect.poll(unsealed, { timeout: 5_000, interval: 100 }).toBe(0);
    // Every judgment is in the chain once, in the order it was written.
    const seq = await app.db
      .selectFrom('judgments')
      .leftJoin('judgment_chain', 'judgment_chain.judgment_id', 'judgments.id')
      .where('judgments.task_id', '=', chainTask.id)
      .select(['judgment_chain.chain_index'])
      .orderBy('judgments.seq')
      .execute();
    expect(seq.map((r) => r.chain_index)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('verifies an untouched chain, with the head the manifest reports', async () => {
    const result = await verifyChain(app.db, chainTask.id);
    const manifest = await manifestOf(query('annotations'), chainTask.id);
    expect(result).toEqual({ ok: true, taskId: chainTask.id, judgments: 30, head: manifest.chain.head, unsealed: 0 });
    expect(manifest.chain.judgments).toBe(30);
    expect(await verifyChain(app.db, chainTask.id, { expectHead: manifest.chain.head })).toMatchObject({ ok: true });
    const cli = await runCli('--task', chainTask.id, '--head', manifest.chain.head);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain(`OK task ${chainTask.id}: 30 judgments, head ${manifest.chain.head}`);
  });

  it('seals concurrent runs into one chain, and an empty task has the genesis head', async () => {
    await addJudgments(chainTask.id, 40, 'd');
    await Promise.all([
      app.services.chain.sealPending({ taskId: chainTask.id, wait: true }),
      app.services.chain.sealPending({ taskId: chainTask.id }),
      app.services.chain.sealPending(),
    ]);
    expect(await verifyChain(app.db, chainTask.id)).toMatchObject({ ok: true, judgments: 70, unsealed: 0 });
    const empty = await app.createTask({ name: 'Empty chain' });
    expect(await verifyChain(app.db, empty.id)).toMatchObject({ ok: true, judgments: 0, head: genesisHash(empty.id) });
    expect((await manifestOf(query('dpo'), empty.id)).chain).toEqual({ head: genesisHash(empty.id), judgments: 0 });
  });

  it('breaks at an edited judgment and at a removed one', async () => {
    const head = (await verifyChain(app.db, chainTask.id)) as { head: string };
    const at = (index: number) =>
      app.db
        .selectFrom('judgments')
        .innerJoin('judgment_chain', 'judgment_chain.judgment_id', 'judgments.id')
        .where('judgment_chain.task_id', '=', chainTask.id)
        .where('judgment_chain.chain_index', '=', index)
        .select(['judgments.id', 'judgments.preference'])
        .executeTakeFirstOrThrow();
    const edited = await at(5);
    await app.db.updateTable('judgments').set({ preference: -2 }).where('id', '=', edited.id).execute();
    expect(await verifyChain(app.db, chainTask.id)).toMatchObject({ ok: false, brokenAt: 5, reason: 'mismatch' });
    const cli = await runCli('--task', chainTask.id);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('BROKEN');
    expect(cli.stdout).toContain('chain index 5');

    await app.db.updateTable('judgments').set({ preference: edited.preference }).where('id', '=', edited.id).execute();
    expect(await verifyChain(app.db, chainTask.id)).toMatchObject({ ok: true, head: head.head });

    // Removing the last judgments and their links leaves a shorter chain that checks out, but not against the
    // published head.
    await sql`WITH gone AS (
        DELETE FROM judgment_chain WHERE task_id = ${chainTask.id} AND chain_index >= 68 RETURNING judgment_id)
      DELETE FROM judgments WHERE id IN (SELECT judgment_id FROM gone)`.execute(app.db);
    expect(await verifyChain(app.db, chainTask.id)).toMatchObject({ ok: true, judgments: 68 });
    expect(await verifyChain(app.db, chainTask.id, { expectHead: head.head })).toMatchObject({
      ok: false,
      reason: 'head_not_found',
    });
    expect((await runCli('--task', chainTask.id, '--head', head.head)).code).toBe(1);

    // A judgment removed from the middle: its link stays behind and names the gap; without the link too, the
    // indexes skip one.
    const removed = await at(12);
    await app.db.deleteFrom('judgments').where('id', '=', removed.id).execute();
    expect(await verifyChain(app.db, chainTask.id)).toMatchObject({ ok: false, brokenAt: 12, reason: 'missing' });
    await app.db.deleteFrom('judgment_chain').where('judgment_id', '=', removed.id).execute();
    expect(await verifyChain(app.db, chainTask.id)).toMatchObject({ ok: false, brokenAt: 12, reason: 'missing' });
  });

  it('exits 2 on bad arguments', async () => {
    expect((await runCli('--task', 'not-a-uuid')).code).toBe(2);
  });
});
