import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emitAck, startTestApp, type TestApp, type TestSocket } from './harness.js';
import { routeTable, type Route } from './route-table.js';

/**
 * Property-based fuzzing (fast-check) of every edge where outside data meets a zod schema: every HTTP route's body and
 * query (the route table is walked from the real app), every socket event's payload, and the JSON Lines and CSV import
 * parsers. Malformed JSON, wrong types, huge strings, deep nesting, invalid UTF-8, NUL bytes, 10 MB lines: the answer
 * is always a 4xx (or a success) in the contract's shape, never a 500, and a refused request changes no row.
 *
 * Run counts are modest so the suite stays fast; `FUZZ_RUNS=500 npx vitest run server/test/fuzz-edges.test.ts` digs
 * deeper. A failure prints fast-check's seed and the shrunk counterexample.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);

let app: TestApp;
let token: string;
let routes: Route[];
let taskId: string;
let userId: string;
let socket: TestSocket;
let assignmentId: string;

beforeAll(async () => {
  // No rate limits here: the fuzzer sends far faster than any client, and limits are tested in hardening-http.
  app = await startTestApp({
    env: { ANCHOR_TOKEN_REQUESTS_PER_MINUTE: '1000000', ANCHOR_SOCKET_EVENTS_PER_SECOND: '0' },
  });
  token = await app.createAdminToken();
  routes = routeTable(app.app.express).filter((r) => r.path.startsWith('/api/') && r.path !== '/api/auth/login');
  const task = await app.createTask({ status: 'active', judgmentsPerPair: 3 });
  taskId = task.id;
  await app.importPairs(taskId, app.demoPairs(50, { prefix: 'fuzz' }));
  userId = (await app.createUser()).user.id;
  const rater = await app.createUser();
  socket = await app.socket({ cookie: await app.login(rater.email, rater.password) });
  const next = await emitAck(socket, 'assignment:next', { taskId });
  if (!('assignment' in next)) throw new Error(JSON.stringify(next));
  assignmentId = next.assignment.id;
});

afterAll(async () => {
  await app?.close();
});

/** Row counts of every table a request could write to: a refused request must leave them as they were. */
async function rowCounts(): Promise<string> {
  const { rows } = await sql<{ counts: string }>`
    SELECT concat_ws(',', (SELECT count(*) FROM users), (SELECT count(*) FROM tasks), (SELECT count(*) FROM pairs),
      (SELECT count(*) FROM judgments), (SELECT count(*) FROM assignments), (SELECT count(*) FROM api_tokens),
      (SELECT count(*) FROM task_raters)) AS counts`.execute(app.db);
  return rows[0]!.counts;
}

// ---- arbitraries -------------------------------------------------------------------------------------------------

const smallHostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udfffy',
    '<script>alert(1)</script>',
    "'; DROP TABLE judgments; --",
    '../../etc/passwd',
    '%00',
    '\u202e\u2066',
    '𝕬𝖓𝖈𝖍𝖔𝖗',
    '-1',
    '1e309',
    'NaN',
    '__proto__',
    'constructor',
  ),
);
const hostileString = fc.oneof(
  { weight: 9, arbitrary: smallHostileString },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }).map((n) => 'é'.repeat(n * 100_000)) }, // huge: up to 800 KB
);

const valueOf = (strings: fc.Arbitrary<string>) =>
  fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth: 4 },
      strings,
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom(-1, 0, 1, 2, 3, 5, 9, 50, 2 ** 31, -(2 ** 53), Number.MAX_SAFE_INTEGER),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(smallHostileString, tie('value'), { maxKeys: 4 }),
    ),
  })).value;
const value = valueOf(hostileString);
/** Socket messages over 1 MB (maxHttpBufferSize) close the connection by design: payloads stay under it. */
const socketValue = valueOf(
  fc.oneof({ weight: 9, arbitrary: smallHostileString }, { weight: 1, arbitrary: fc.constant('é'.repeat(100_000)) }),
);

/** Field names the schemas know, so that bodies get past "unknown fields" to the checks behind it. */
const FIELDS = [
  'name',
  'instructions',
  'judgmentsPerPair',
  'scale',
  'points',
  'leaseSeconds',
  'eligibility',
  'countries',
  'languages',
  'status',
  'email',
  'displayName',
  'role',
  'password',
  'country',
  'attributes',
  'version',
  'assignmentOrder',
  'quota',
  'criteria',
  'rationale',
  'goldRate',
  'goldMinAccuracy',
  'goldMinAnswers',
  'minJudgments',
  'maxJudgments',
  'taskId',
  'assignmentId',
  'key',
  'choice',
  'flags',
  'timeMs',
  'reason',
  'limit',
  'cursor',
  'format',
  'aggregate',
  'minAgreement',
  'includeGold',
  'tag.topic',
  'prompt',
  'responseA',
  'responseB',
  'externalId',
  'gold',
  'tags',
  'mode',
  'minLength',
  'next',
  'signals',
];
const plausible = fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 6 });

const rawBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  plausible.map((v) => JSON.stringify(v)),
  value.map((v) => JSON.stringify(v) ?? 'null'),
  fc.string({ maxLength: 60 }).map((s) => `{${s}`), // malformed JSON
  fc.constantFrom(
    '',
    '{',
    '[',
    '{"a":',
    'null',
    '"just a string"',
    '{"name": NaN}',
    '{"__proto__": {"role": "admin"}}',
  ),
  fc.integer({ min: 100, max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)), // deep nesting
  fc.integer({ min: 100, max: 20_000 }).map((n) => '{"attributes":' + '{"a":'.repeat(n) + '1' + '}'.repeat(n + 1)),
  fc.uint8Array({ minLength: 1, maxLength: 40 }).map((bytes) =>
    // invalid UTF-8 inside a JSON string
    Buffer.concat([Buffer.from('{"name":"'), Buffer.from(bytes.map((b) => b | 0x80)), Buffer.from('"}')]),
  ),
  fc.constantFrom('{"name":"a\\u0000b"}', '{"name":"\\ud800"}', '{"displayName":"x\\u0000"}'),
);

const query = fc.dictionary(
  fc.constantFrom(...FIELDS),
  hostileString.filter((s) => s.length < 5000),
  { maxKeys: 4 },
);

function fillParams(path: string): fc.Arbitrary<string> {
  const parts = path.split('/').map((seg) => {
    if (!seg.startsWith(':')) return fc.constant(seg);
    const real = seg === ':id' && path.includes('/users/') ? userId : seg === ':raterId' ? userId : taskId;
    return fc.oneof(
      fc.constantFrom(real, randomUUID()),
      hostileString.filter((s) => s.length < 200 && !/[\ud800-\udfff]/.test(s)).map((s) => encodeURIComponent(s)),
      fc.constantFrom('%E0%A4%A', '%', '%00', '..', '%2e%2e', '%ZZ'),
    );
  });
  return fc.tuple(...parts).map((p) => p.join('/'));
}

function expectContractError(status: number, text: string, what: string): void {
  expect(status, `${what}: ${text.slice(0, 300)}`).toBeLessThan(500);
  if (status < 400) return;
  const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
  expect(typeof body.error?.code, what).toBe('string');
  expect(typeof body.error?.message, what).toBe('string');
}

// ---- the properties ----------------------------------------------------------------------------------------------

describe('fuzzing the HTTP edges (every route in the table)', () => {
  it('finds routes to fuzz', () => {
    expect(routes.length).toBeGreaterThan(15);
  });

  it('answers every route with a 4xx in the contract shape (or a success), never a 500, never a partial write', async () => {
    const failures: string[] = [];
    for (const route of routes) {
      const writes = route.method !== 'GET' && route.method !== 'HEAD';
      await fc
        .assert(
          fc.asyncProperty(fillParams(route.path), rawBody, query, async (path, body, q) => {
            const qs = new URLSearchParams(Object.entries(q)).toString();
            const before = writes ? await rowCounts() : '';
            const res = await fetch(`${app.url}${path}${qs ? `?${qs}` : ''}`, {
              method: route.method,
              headers: {
                authorization: `Bearer ${token}`,
                'content-type':
                  route.path.endsWith('/pairs') && route.method === 'POST'
                    ? 'application/x-ndjson'
                    : 'application/json',
              },
              ...(writes ? { body } : {}),
            });
            const text = await res.text();
            const what = `${route.method} ${path}`;
            expectContractError(res.status, text, what);
            if (writes && res.status >= 400)
              expect(await rowCounts(), `${what} changed rows on ${res.status}`).toBe(before);
          }),
          { numRuns: RUNS },
        )
        .catch((err: Error) => failures.push(`${route.method} ${route.path}: ${err.message.slice(0, 1500)}`));
    }
    expect(failures).toEqual([]);
  });
});

describe('fuzzing the socket edges (every event the server listens to)', () => {
  it('acknowledges every payload in the contract shape, never internal', async () => {
    const serverSocket = [...app.app.io.of('/').sockets.values()].find((s) => s.data.user.role === 'rater');
    const reserved = [
      'error',
      'connect',
      'connect_error',
      'disconnect',
      'disconnecting',
      'newListener',
      'removeListener',
    ];
    const events = (serverSocket?.eventNames() ?? []).map(String).filter((e) => !reserved.includes(e));
    expect(events.length).toBeGreaterThanOrEqual(3);
    const socketPlausible = fc.dictionary(fc.constantFrom(...FIELDS), socketValue, { maxKeys: 6 });
    // Nested big strings can add up past 1 MB, which closes the connection by design (the next test covers that).
    const underLimit = (p: unknown) => Buffer.byteLength(JSON.stringify(p) ?? '') < 900_000;
    const payload = fc
      .oneof(
        socketValue,
        socketPlausible,
        fc.record(
          {
            taskId: fc.oneof(fc.constant(taskId), socketValue),
            assignmentId: fc.oneof(fc.constant(assignmentId), fc.constant(randomUUID()), socketValue),
            key: fc.oneof(fc.uuid(), socketValue),
            choice: fc.oneof(fc.integer({ min: -4, max: 4 }), socketValue),
            rationale: socketValue,
            flags: socketValue,
            timeMs: socketValue,
            reason: socketValue,
          },
          { requiredKeys: [] },
        ),
      )
      .filter(underLimit);
    for (const event of events) {
      await fc.assert(
        fc.asyncProperty(payload, async (p) => {
          const answer = (await (
            socket.timeout(10_000) as unknown as { emitWithAck(e: string, p: unknown): Promise<unknown> }
          ).emitWithAck(event, p)) as {
            ok?: boolean;
            error?: { code?: unknown; message?: unknown };
          };
          expect(answer, event).toBeTypeOf('object');
          if (answer.ok === false) {
            expect(typeof answer.error?.code, event).toBe('string');
            expect(typeof answer.error?.message, event).toBe('string');
            expect(answer.error?.code, `${event} ${JSON.stringify(p)?.slice(0, 300)}`).not.toBe('internal');
          }
        }),
        { numRuns: RUNS * 8 },
      );
    }
    expect(socket.connected).toBe(true);
  });

  it('closes only the connection that sends a message over 1 MB; the server and other sockets carry on', async () => {
    const rater = await app.createUser();
    const big = await app.socket({ cookie: await app.login(rater.email, rater.password) });
    const gone = new Promise<string>((resolve) => big.once('disconnect', resolve));
    big.emit('judgment:submit', { rationale: 'x'.repeat(1_100_000) } as never, () => {});
    expect(await gone).toBe('transport close');
    expect(await emitAck(socket, 'assignment:next', { taskId })).toBeTypeOf('object');
  });
});

describe('fuzzing the import parsers', () => {
  const goodLine = fc
    .record({
      externalId: fc.uuid(),
      prompt: fc.string({ minLength: 1, maxLength: 30 }),
      a: fc.string({ minLength: 1, maxLength: 30 }),
      b: fc.string({ minLength: 1, maxLength: 30 }),
    })
    .map((r) =>
      JSON.stringify({
        externalId: r.externalId,
        prompt: r.prompt,
        responseA: { text: r.a },
        responseB: { text: r.b },
      }),
    );
  const badLine = fc.oneof(
    value.map((v) => JSON.stringify(v) ?? 'null'),
    plausible.map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 60 }).map((s) => `{${s}`),
    fc.constantFrom(
      '{"prompt":"a\\u0000","responseA":{"text":"x"},"responseB":{"text":"y"}}',
      '{"prompt":"\\ud800","responseA":{"text":"x"},"responseB":{"text":"y"}}',
      '{"prompt":"p","responseA":{"text":"x"},"responseB":{"text":"y"},"tags":{"a":{"b":{"c":1}}}}',
      '{"prompt":' + '['.repeat(5000) + ']'.repeat(5000) + '}',
    ),
  );
  const lineBytes = fc.oneof(
    { weight: 3, arbitrary: goodLine.map((l) => Buffer.from(l)) },
    { weight: 3, arbitrary: badLine.map((l) => Buffer.from(l)) },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => Buffer.from(b.filter((x) => x !== 10))),
    },
  );

  async function pairsIn(task: string): Promise<number> {
    const r = await app.db
      .selectFrom('pairs')
      .where('task_id', '=', task)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return r.n;
  }

  it('JSON Lines: every line is inserted, skipped or reported; the rows match the answer; never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(lineBytes, { minLength: 1, maxLength: 25 }),
        fc.constantFrom('\n', '\r\n'),
        async (lines, eol) => {
          const task = await app.createTask();
          const body = Buffer.concat(lines.flatMap((l) => [l, Buffer.from(eol)]));
          const res = await app.api<{
            inserted: number;
            skipped: number;
            errors: Array<{ line: number; message: string }>;
          }>('POST', `/api/tasks/${task.id}/pairs`, {
            token,
            raw: body,
            headers: { 'content-type': 'application/x-ndjson' },
          });
          expectContractError(res.status, res.text, 'jsonl import');
          const rows = await pairsIn(task.id);
          if (res.status !== 200) return void expect(rows).toBe(0);
          const nonBlank = body
            .toString('utf8')
            .split(/\r\n|\r|\n/) // as readline splits: a lone CR ends a line too
            .filter((l) => l.trim() !== '').length;
          expect(res.body.inserted + res.body.skipped + res.body.errors.length).toBe(nonBlank);
          expect(rows).toBe(res.body.inserted);
          for (const e of res.body.errors) expect(e.line).toBeGreaterThan(0);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('CSV: malformed quoting, stray bytes and odd columns are a clear answer, never a 500 or a partial write', async () => {
    const cell = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom('"', '""', 'a"b', '\u0000', '\r', '\n', ',', '=cmd|calc', '\ud800'),
    );
    const row = fc
      .array(cell, { minLength: 1, maxLength: 7 })
      .map((cells) => cells.map((c) => (Math.random() < 0.5 ? `"${c.replaceAll('"', '""')}"` : c)).join(','));
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 15 }), async (rows) => {
        const task = await app.createTask();
        const body = ['external_id,prompt,response_a,response_b,model_a,model_b,tag_topic', ...rows].join('\n');
        const res = await app.api<{ inserted: number }>('POST', `/api/tasks/${task.id}/pairs`, {
          token,
          raw: body,
          headers: { 'content-type': 'text/csv' },
        });
        expectContractError(res.status, res.text, 'csv import');
        expect(await pairsIn(task.id)).toBe(res.status === 200 ? res.body.inserted : 0);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('a 10 MB line: reported as an error on its own line, the rest inserted', async () => {
    const task = await app.createTask();
    const huge = JSON.stringify({
      prompt: 'p',
      responseA: { text: 'x'.repeat(10 * 1024 * 1024) },
      responseB: { text: 'y' },
    });
    const garbage = 'z'.repeat(10 * 1024 * 1024);
    const ok = (i: number) =>
      JSON.stringify({ externalId: `ok-${i}`, prompt: 'p', responseA: { text: 'a' }, responseB: { text: 'b' } });
    const res = await app.api<{ inserted: number; errors: Array<{ line: number }> }>(
      'POST',
      `/api/tasks/${task.id}/pairs`,
      {
        token,
        raw: [ok(1), huge, ok(2), garbage, ok(3)].join('\n'),
        headers: { 'content-type': 'application/x-ndjson' },
      },
    );
    expect(res.status).toBe(200);
    expect(res.body.inserted).toBe(3);
    expect(res.body.errors.map((e) => e.line)).toEqual([2, 4]);
    expect(await pairsIn(task.id)).toBe(3);
  });
});
