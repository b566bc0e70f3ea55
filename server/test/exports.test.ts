import { createHash, randomUUID } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Assignment, ExportManifest, PairInput, Task } from '@anchor/shared';
import { emitAck, startTestApp, type TestApp, type TestSocket, type TestUser } from './harness.js';
import { isoUtc } from '../src/modules/exports/export.sql.js';

let app: TestApp;
let token: string;
let task: Task;

/** What each rater does with each pair: a preference relative to A/B (the test turns it into a screen choice), or skip. */
interface Plan {
  pair: PairInput & { externalId: string };
  votes: Record<'r1' | 'r2', number | 'skip'>;
  rationale?: Partial<Record<'r1' | 'r2', string>>;
}

const tricky = 'line one\nline two, "quoted", back\\slash, tab\there, \u0001 control, émoji 🌍, عربي';

const plans: Plan[] = [
  {
    pair: {
      externalId: 'wins-b',
      prompt: 'Greet my partner’s grandmother in Cairo',
      responseA: { text: 'A: Hey there!', model: 'atlas-7b' },
      responseB: { text: 'B: Good evening, Teta — السلام عليكم', model: 'baobab-13b' },
      tags: { topic: 'greetings', region: 'MENA' },
    },
    votes: { r1: 2, r2: 1 },
    rationale: { r1: '=HYPERLINK("http://evil.example","click")', r2: tricky },
  },
  {
    pair: {
      externalId: '-wins-a',
      prompt: 'Say thanks to a colleague',
      responseA: { text: 'A: Thank you so much for your help.' },
      responseB: { text: 'B: thx' },
      tags: {},
    },
    votes: { r1: -1, r2: -2 },
    rationale: { r1: '+1 for politeness', r2: '@mention -2' },
  },
  {
    pair: {
      externalId: 'tie',
      prompt: 'Pick a colour',
      responseA: { text: 'A: Blue' },
      responseB: { text: 'B: Green' },
    },
    votes: { r1: -1, r2: 1 },
  },
  {
    pair: {
      externalId: 'chat',
      prompt: [
        { role: 'system', content: 'You are polite.' },
        { role: 'user', content: 'How do I greet elders in Nairobi?' },
      ],
      responseA: { text: 'A: Just wave.', model: 'cedar-70b' },
      responseB: { text: 'B: Shikamoo — a respectful greeting.', model: 'atlas-7b' },
    },
    votes: { r1: 1, r2: 2 },
  },
  {
    pair: {
      externalId: 'unjudged',
      prompt: 'Nobody rates this one',
      responseA: { text: 'A: skipped' },
      responseB: { text: 'B: skipped' },
    },
    votes: { r1: 'skip', r2: 'skip' },
  },
];

interface Expected {
  externalId: string;
  rater: 'r1' | 'r2';
  raterUserId: string;
  preference: number;
  choice: number;
  shownAFirst: boolean;
  rationale: string | null;
}
const expected: Expected[] = [];
const raters: Record<'r1' | 'r2', TestUser> = {} as Record<'r1' | 'r2', TestUser>;

async function nextAssignment(socket: TestSocket, taskId: string): Promise<Assignment | undefined> {
  const result = await emitAck(socket, 'assignment:next', { taskId });
  return 'assignment' in result ? result.assignment : undefined;
}

/** Judges every pair it is offered as the plan says, deriving the screen choice from which response was on the left. */
async function rate(name: 'r1' | 'r2', taskId: string): Promise<void> {
  const rater = raters[name];
  const socket = await app.socket({ cookie: await app.login(rater.email, rater.password) });
  for (
    let assignment = await nextAssignment(socket, taskId);
    assignment;
    assignment = await nextAssignment(socket, taskId)
  ) {
    const left = assignment.left.text;
    const plan = plans.find((p) => p.pair.responseA.text === left || p.pair.responseB.text === left);
    if (!plan) throw new Error(`unexpected assignment ${left}`);
    const vote = plan.votes[name];
    if (vote === 'skip') {
      expect(await emitAck(socket, 'assignment:skip', { assignmentId: assignment.id })).toEqual({ ok: true });
      continue;
    }
    const shownAFirst = assignment.left.text === plan.pair.responseA.text;
    const choice = shownAFirst ? vote : -vote;
    const rationale = plan.rationale?.[name];
    const ack = await emitAck(socket, 'judgment:submit', {
      assignmentId: assignment.id,
      key: randomUUID(),
      choice,
      timeMs: 1500,
      flags: name === 'r1' ? ['harmful', 'off_language'] : [],
      ...(rationale !== undefined ? { rationale } : {}),
    });
    expect(ack).toMatchObject({ ok: true });
    expected.push({
      externalId: plan.pair.externalId,
      rater: name,
      raterUserId: rater.user.id,
      preference: vote,
      choice,
      shownAFirst,
      rationale: rationale ?? null,
    });
  }
  socket.disconnect();
}

// Written out rather than imported from the server: the test pins the documented header, so a change to it fails here.
const csvColumns = [
  'judgment_id',
  'pair_id',
  'external_id',
  'rater_id',
  'preference',
  'choice',
  'shown_a_first',
  'rationale',
  'flags',
  'time_ms',
  'created_at',
  'country',
  'languages',
  'scale_points',
  'shown_left',
  'leased_at',
  'rater_attributes',
  'quota_group',
  'gold',
  'chain_index',
  'chain_hash',
] as const;
type CsvRecord = Record<(typeof csvColumns)[number], string>;

const defaultFilters = {
  aggregate: 'mean',
  minAgreement: 0,
  includeGold: false,
  tags: {},
  country: null,
  from: null,
  to: null,
};

function exportOf(format: string, taskId = task.id) {
  return app.api('GET', `/api/tasks/${taskId}/export?format=${format}`, { token });
}

function jsonLines(text: string): Record<string, unknown>[] {
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function sha256(text: string): string {
  return createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');
}

beforeAll(async () => {
  app = await startTestApp();
  token = await app.createAdminToken();
  raters.r1 = await app.createUser({ country: 'EG', languages: ['ar', 'en'] });
  raters.r2 = await app.createUser({ country: 'KE', languages: ['sw'] });
  task = await app.createTask({
    name: 'Greetings — MENA / v2',
    status: 'active',
    judgmentsPerPair: 2,
    scale: { points: 5 },
  });
  const imported = await app.importPairs(
    task.id,
    plans.map((p) => p.pair),
  );
  expect(imported).toMatchObject({ inserted: plans.length, errors: [] });
  await rate('r1', task.id);
  await rate('r2', task.id);
  expect(expected).toHaveLength(8);
});
afterAll(() => app?.close());

describe('GET /api/tasks/:id/export?format=dpo', () => {
  it('serves an attachment of JSON Lines', async () => {
    const res = await exportOf('dpo');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="greetings-mena-v2-dpo.jsonl"');
  });

  it('makes the mean preference decide chosen and rejected, whichever side each rater saw', async () => {
    const rows = jsonLines((await exportOf('dpo')).text);
    const byId = new Map(rows.map((r) => [r.externalId, r]));
    expect([...byId.keys()].sort()).toEqual(['-wins-a', 'chat', 'wins-b']);

    const winsB = byId.get('wins-b')!;
    const pairB = plans[0]!.pair;
    expect(winsB).toEqual({
      prompt: pairB.prompt,
      chosen: pairB.responseB.text,
      rejected: pairB.responseA.text,
      pairId: expect.any(String),
      externalId: 'wins-b',
      meanPreference: 1.5,
      judgments: 2,
      chosenModel: 'baobab-13b',
      rejectedModel: 'atlas-7b',
      tags: { topic: 'greetings', region: 'MENA' },
    });

    const winsA = byId.get('-wins-a')!;
    expect(winsA).toEqual({
      prompt: 'Say thanks to a colleague',
      chosen: 'A: Thank you so much for your help.',
      rejected: 'B: thx',
      pairId: expect.any(String),
      externalId: '-wins-a',
      meanPreference: -1.5,
      judgments: 2,
      tags: {},
    });
    expect(Object.keys(winsA)).not.toContain('chosenModel');
  });

  it('leaves out ties and unjudged pairs, and the manifest counts them as dropped', async () => {
    const text = (await exportOf('dpo')).text;
    expect(text).not.toContain('"tie"');
    expect(text).not.toContain('Nobody rates this one');
    const res = await app.api<{ manifest: ExportManifest }>('GET', `/api/tasks/${task.id}/export/manifest?format=dpo`, {
      token,
    });
    expect(res.status).toBe(200);
    expect(res.body.manifest).toMatchObject({
      format: 'dpo',
      filters: defaultFilters,
      counts: { rows: 3, judgments: 6, pairs: 3 },
      dropped: { gold: 0, filtered: 0, pausedRaters: 0, unjudged: 1, belowAgreement: 0, ties: 1 },
      raters: { count: 2, byCountry: { EG: 1, KE: 1 }, byLanguage: { ar: 1, en: 1, sw: 1 } },
      sha256: sha256(text),
      bytes: Buffer.byteLength(text),
    });
  });

  it('gives TRL’s conversational shape for a message-list prompt', async () => {
    const chat = jsonLines((await exportOf('dpo')).text).find((r) => r.externalId === 'chat')!;
    expect(chat.prompt).toEqual(plans[3]!.pair.prompt);
    expect(chat.chosen).toEqual([{ role: 'assistant', content: 'B: Shikamoo — a respectful greeting.' }]);
    expect(chat.rejected).toEqual([{ role: 'assistant', content: 'A: Just wave.' }]);
    expect(chat).toMatchObject({ chosenModel: 'atlas-7b', rejectedModel: 'cedar-70b', meanPreference: 1.5 });
  });

  it('orders rows by import order and serves the same bytes for the same data', async () => {
    const first = await exportOf('dpo');
    const second = await exportOf('dpo');
    expect(second.text).toBe(first.text);
    const order = await app.db
      .selectFrom('pairs')
      .select('external_id')
      .where('task_id', '=', task.id)
      .where('external_id', 'in', ['wins-b', '-wins-a', 'chat'])
      .orderBy('seq')
      .execute();
    expect(jsonLines(first.text).map((r) => r.externalId)).toEqual(order.map((r) => r.external_id));
  });
});

describe('GET /api/tasks/:id/export?format=annotations', () => {
  it('has one line per judgment, with preference relative to A/B and choice relative to the screen', async () => {
    const res = await exportOf('annotations');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="greetings-mena-v2-annotations.jsonl"');
    const rows = jsonLines(res.text);
    expect(rows).toHaveLength(expected.length);
    const judgments = await app.db
      .selectFrom('judgments')
      .select('id')
      .where('task_id', '=', task.id)
      .orderBy('seq')
      .execute();
    expect(rows.map((r) => r.judgmentId)).toEqual(judgments.map((j) => j.id));

    for (const want of expected) {
      const rater = raters[want.rater];
      const row = rows.find((r) => r.externalId === want.externalId && r.country === rater.user.country);
      expect(row, `${want.externalId} by ${want.rater}`).toEqual({
        judgmentId: expect.any(String),
        pairId: expect.any(String),
        externalId: want.externalId,
        raterId: expect.stringMatching(/^r_[0-9a-f]{16}$/),
        preference: want.preference,
        choice: want.choice,
        shownAFirst: want.shownAFirst,
        rationale: want.rationale,
        flags: want.rater === 'r1' ? ['harmful', 'off_language'] : [],
        timeMs: 1500,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        country: want.rater === 'r1' ? 'EG' : 'KE',
        languages: want.rater === 'r1' ? ['ar', 'en'] : ['sw'],
        scalePoints: 5,
        shownLeft: want.shownAFirst ? 'A' : 'B',
        leasedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        raterAttributes: {},
        quotaGroup: null,
        gold: null,
        chainIndex: expect.any(Number),
        chainHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect(row!.raterId).not.toContain(want.raterUserId);
    }
    expect(rows.find((r) => r.rationale === tricky)).toBeDefined();
  });

  it('gives each rater one stable pseudonym that is not their user id', async () => {
    const first = jsonLines((await exportOf('annotations')).text);
    const second = jsonLines((await exportOf('annotations')).text);
    const pseudonyms = (rows: Record<string, unknown>[], country: string) =>
      new Set(rows.filter((r) => r.country === country).map((r) => r.raterId));
    const r1 = pseudonyms(first, 'EG');
    const r2 = pseudonyms(first, 'KE');
    expect(r1.size).toBe(1);
    expect(r2.size).toBe(1);
    expect([...r1][0]).not.toBe([...r2][0]);
    expect(pseudonyms(second, 'EG')).toEqual(r1);
    const text = JSON.stringify(first);
    expect(text).not.toContain(raters.r1.user.id);
    expect(text).not.toContain(raters.r2.user.id);
  });

  it('reports a manifest whose digest is that of the served bytes', async () => {
    const text = (await exportOf('annotations')).text;
    const res = await app.api<{ manifest: ExportManifest }>(
      'GET',
      `/api/tasks/${task.id}/export/manifest?format=annotations`,
      { token },
    );
    expect(res.body.manifest).toMatchObject({
      format: 'annotations',
      filters: defaultFilters,
      counts: { rows: 8, judgments: 8, pairs: 4 },
      dropped: { gold: 0, filtered: 0, pausedRaters: 0, unjudged: 1, belowAgreement: 0 },
      raters: { count: 2 },
      sha256: sha256(text),
      bytes: Buffer.byteLength(text),
    });
    // Every judgment is sealed into the task's chain before an export, so the annotations show the whole chain.
    const rows = jsonLines(text);
    expect(rows.map((r) => r.chainIndex).sort((a, b) => Number(a) - Number(b))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(res.body.manifest.chain).toEqual({
      judgments: 8,
      head: rows.find((r) => r.chainIndex === 7)!.chainHash,
    });
  });
});

describe('GET /api/tasks/:id/export?format=csv', () => {
  it('parses back to the annotations, with formula-like text cells neutralised', async () => {
    const res = await exportOf('csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="greetings-mena-v2-csv.csv"');
    const records = parseCsv<CsvRecord>(res.text, { columns: true });
    const annotations = jsonLines((await exportOf('annotations')).text);
    expect(records).toHaveLength(annotations.length);

    const guard = (s: string) => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);
    records.forEach((record, i) => {
      const a = annotations[i]!;
      expect(record).toEqual({
        judgment_id: a.judgmentId,
        pair_id: a.pairId,
        external_id: guard(a.externalId as string),
        rater_id: a.raterId,
        preference: String(a.preference),
        choice: String(a.choice),
        shown_a_first: String(a.shownAFirst),
        rationale: a.rationale === null ? '' : guard(a.rationale as string),
        flags: (a.flags as string[]).join(';'),
        time_ms: String(a.timeMs),
        created_at: a.createdAt,
        country: a.country,
        languages: (a.languages as string[]).join(';'),
        scale_points: '5',
        shown_left: a.shownLeft,
        leased_at: a.leasedAt,
        rater_attributes: '{}',
        quota_group: '',
        gold: '',
        chain_index: String(a.chainIndex),
        chain_hash: a.chainHash,
      });
    });

    const hyperlink = records.find((r) => r.rationale.includes('HYPERLINK'))!;
    expect(hyperlink.rationale).toBe(`'=HYPERLINK("http://evil.example","click")`);
    expect(records.filter((r) => r.external_id === "'-wins-a")).toHaveLength(2);
    expect(records.map((r) => r.rationale)).toEqual(
      expect.arrayContaining(["'+1 for politeness", "'@mention -2", tricky]),
    );
    // Numbers stay numbers: a negative preference is not prefixed.
    expect(records.some((r) => r.preference === '-2')).toBe(true);
    expect(records.every((r) => /^-?\d+$/.test(r.preference) && /^-?\d+$/.test(r.choice))).toBe(true);
  });

  it('reports a manifest whose digest is that of the served bytes', async () => {
    const text = (await exportOf('csv')).text;
    expect(text.split('\n')[0]).toBe(csvColumns.join(','));
    const res = await app.api<{ manifest: ExportManifest }>('GET', `/api/tasks/${task.id}/export/manifest?format=csv`, {
      token,
    });
    expect(res.body.manifest).toMatchObject({
      format: 'csv',
      counts: { rows: 8 },
      sha256: sha256(text),
      bytes: Buffer.byteLength(text),
    });
  });
});

describe('export access and validation', () => {
  it('answers 403 to a rater and 401 to an anonymous caller', async () => {
    const cookie = await app.login(raters.r1.email, raters.r1.password);
    for (const path of [
      `/api/tasks/${task.id}/export?format=dpo`,
      `/api/tasks/${task.id}/export/manifest?format=dpo`,
    ]) {
      const asRater = await app.api<{ error: { code: string } }>('GET', path, { cookie });
      expect(asRater.status).toBe(403);
      expect(asRater.body.error.code).toBe('forbidden');
      const anonymous = await app.api<{ error: { code: string } }>('GET', path);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error.code).toBe('unauthorized');
    }
  });

  it('answers 400 validation_failed for a missing or unknown format, and for a malformed id', async () => {
    for (const path of [
      `/api/tasks/${task.id}/export?format=parquet-ish`,
      `/api/tasks/${task.id}/export`,
      `/api/tasks/${task.id}/export/manifest?format=xml`,
      `/api/tasks/not-a-uuid/export?format=dpo`,
    ]) {
      const res = await app.api<{ error: { code: string } }>('GET', path, { token });
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.headers.get('content-disposition')).toBeNull();
    }
  });

  it('answers 404 for an unknown task', async () => {
    for (const path of [
      `/api/tasks/${randomUUID()}/export?format=dpo`,
      `/api/tasks/${randomUUID()}/export/manifest?format=csv`,
    ]) {
      const res = await app.api<{ error: { code: string } }>('GET', path, { token });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });

  it('exports an empty task as an empty file', async () => {
    const empty = await app.createTask({ name: 'Ελληνικά' });
    const res = await exportOf('dpo', empty.id);
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="task-${empty.id.slice(0, 8)}-dpo.jsonl"`,
    );
    const csv = await exportOf('csv', empty.id);
    expect(csv.text.trim().split('\n')).toHaveLength(1); // the header
  });
});

describe('streaming a large export', () => {
  const bulk = 4_000;
  const long = 2_500; // ~20 MB of dpo: far more than the socket buffers between PostgreSQL, the server and fetch
  let bulkTask: Task;

  beforeAll(async () => {
    // Pairs through the real import; judgments straight into the table: the rater loop is covered above, this is volume.
    bulkTask = await app.createTask({ name: 'Bulk', judgmentsPerPair: 1 });
    const pairs = Array.from({ length: bulk }, (_, i) => ({
      externalId: `bulk-${i + 1}`,
      prompt: `Prompt ${i + 1}`,
      responseA: { text: 'a'.repeat(long) + (i + 1) },
      responseB: { text: 'b'.repeat(long) + (i + 1) },
    }));
    expect(await app.importPairs(bulkTask.id, pairs)).toMatchObject({ inserted: bulk, errors: [] });
    const rater = raters.r1.user.id;
    await sql`
      INSERT INTO assignments (task_id, pair_id, rater_id, shown_a_first, status, expires_at, finished_at)
      SELECT task_id, id, ${rater}, true, 'submitted', now(), now() FROM pairs WHERE task_id = ${bulkTask.id}`.execute(
      app.db,
    );
    await sql`
      INSERT INTO judgments (task_id, pair_id, rater_id, assignment_id, idempotency_key, choice, preference, shown_a_first)
      SELECT task_id, pair_id, rater_id, id, gen_random_uuid(), 1, 1, true FROM assignments WHERE task_id = ${bulkTask.id}`.execute(
      app.db,
    );
  });

  async function copiesRunning(): Promise<number> {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*) AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'COPY%' AND state = 'active'`.execute(
      app.db,
    );
    return rows[0]!.n;
  }

  it('streams every row and matches its manifest', async () => {
    const res = await exportOf('dpo', bulkTask.id);
    const lines = res.text.split('\n');
    expect(lines).toHaveLength(bulk + 1);
    expect(lines.pop()).toBe('');
    // Import order, and each row whole: no line was split or merged across COPY's chunks.
    lines.forEach((line, i) => {
      const row = JSON.parse(line) as { externalId: string; chosen: string; rejected: string };
      expect([row.externalId, row.chosen, row.rejected]).toEqual([
        `bulk-${i + 1}`,
        'b'.repeat(long) + (i + 1),
        'a'.repeat(long) + (i + 1),
      ]);
    });
    const manifest = await app.api<{ manifest: ExportManifest }>(
      'GET',
      `/api/tasks/${bulkTask.id}/export/manifest?format=dpo`,
      { token },
    );
    expect(manifest.body.manifest).toMatchObject({
      counts: { rows: bulk },
      sha256: sha256(res.text),
      bytes: Buffer.byteLength(res.text),
    });
  });

  it('ends the COPY and frees the connection when the client disconnects mid-export', async () => {
    // More aborted exports than the pool has connections: a leaked client would make the later ones time out.
    for (let i = 0; i < 12; i++) {
      const controller = new AbortController();
      const res = await fetch(`${app.url}/api/tasks/${bulkTask.id}/export?format=dpo`, {
        headers: { authorization: `Bearer ${token}` },
        signal: controller.signal,
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const first = await reader.read();
      expect(first.done).toBe(false);
      // PostgreSQL is still writing this export (blocked on the full socket) when the client goes away.
      expect(await copiesRunning()).toBeGreaterThanOrEqual(1);
      controller.abort();
      await reader.closed.catch(() => undefined);
    }
    await expect.poll(copiesRunning, { timeout: 5_000, interval: 50 }).toBe(0);
    const after = await exportOf('annotations', bulkTask.id);
    expect(after.status).toBe(200);
    expect(after.text.split('\n')).toHaveLength(bulk + 1);
  });
});

describe('instants in exports', () => {
  it('are written as toISOString writes them: UTC, milliseconds truncated, trailing zeros kept', async () => {
    const cases: Array<[string, string]> = [
      ['2026-01-01 00:00:00+00', '2026-01-01T00:00:00.000Z'],
      ['2026-12-06 13:29:26.12+00', '2026-12-06T13:29:26.120Z'],
      ['2026-12-06 13:29:26.1+00', '2026-12-06T13:29:26.100Z'],
      ['2026-12-06 13:29:26.120999+00', '2026-12-06T13:29:26.120Z'],
      ['2026-12-06 23:59:59.999999-05', '2026-12-07T04:59:59.999Z'],
      ['0999-03-01 10:00:00.5+00', '0999-03-01T10:00:00.500Z'],
    ];
    const written = await app.db.transaction().execute(async (tx) => {
      await sql`SET LOCAL datestyle = 'ISO, YMD'`.execute(tx); // as the export's transaction sets it
      const out: string[] = [];
      for (const [instant] of cases) {
        const { rows } = await sql<{ iso: string }>`SELECT ${isoUtc(sql`${instant}::timestamptz`)} AS iso`.execute(tx);
        out.push(rows[0]!.iso);
      }
      return out;
    });
    expect(written).toEqual(cases.map(([, iso]) => iso));
    expect(cases.slice(0, 3).map(([, iso]) => new Date(iso).toISOString())).toEqual(
      cases.slice(0, 3).map(([, iso]) => iso),
    );
  });
});
