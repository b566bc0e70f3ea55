/**
 * The "done when": a client that speaks only the documented API (fetch and socket.io-client, no server
 * internals) signs in, makes a token, imports the real hh-rlhf pairs, has several raters judge until every pair has
 * its judgmentsPerPair judgments, and checks that the dpo, annotations and csv exports say exactly what they did.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parse as parseCsv } from 'csv-parse/sync';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  scaleChoices,
  type ClientToServerEvents,
  type NextAssignmentResult,
  type SubmitJudgmentResult,
  type PairInput,
  type ServerToClientEvents,
} from '@anchor/shared';
import { hhLineToPair, type HhRlhfLine } from '../src/demo/hh-rlhf.js';
import { startTestApp, type TestApp } from './harness.js';

type RaterSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

function hhPairs(): PairInput[] {
  const text = gunzipSync(readFileSync(new URL('./fixtures/hh-rlhf-harmless-test.jsonl.gz', import.meta.url))).toString(
    'utf8',
  );
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => hhLineToPair(JSON.parse(l) as HhRlhfLine, i))
    .filter((p): p is PairInput => !('error' in p));
}

describe('an independent API client', () => {
  it(
    'imports hh-rlhf, has raters judge every pair to its target, and exports exactly what they did',
    { timeout: 240_000 },
    async () => {
      const base = app.url;
      // The first admin exists (as `npm start` makes one); everything after this line is the public API.
      const admin = await app.createUser({ role: 'admin' });
      const json = (r: Response) => r.json() as Promise<Record<string, never>>;
      const login = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: admin.email, password: admin.password }),
      });
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const tokenRes = await fetch(`${base}/api/tokens`, {
        method: 'POST',
        headers: { cookie, origin: base, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'pipeline' }),
      });
      expect(tokenRes.status).toBe(201);
      const { secret } = (await tokenRes.json()) as { secret: string };
      const api = (path: string, init: RequestInit = {}) =>
        fetch(`${base}${path}`, {
          ...init,
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json', ...init.headers },
        });

      const task = (
        await json(
          await api('/api/tasks', {
            method: 'POST',
            body: JSON.stringify({ name: 'hh-rlhf harmless', judgmentsPerPair: 3, scale: { points: 5 } }),
          }),
        )
      ).task as unknown as { id: string };
      const pairs = hhPairs();
      expect(pairs.length).toBe(2308);
      const imported = await api(`/api/tasks/${task.id}/pairs`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: pairs.map((p) => JSON.stringify(p)).join('\n'),
      });
      expect(await imported.json()).toEqual({ inserted: 2308, skipped: 0, errors: [] });
      expect(
        (await api(`/api/tasks/${task.id}`, { method: 'PATCH', body: JSON.stringify({ status: 'active' }) })).status,
      ).toBe(200);

      // Several raters, made through the API, judging over socket.io until the task is done.
      const raterCount = 8;
      const done: Array<{ judgmentId: string; choice: number; left: string; right: string }> = [];
      await Promise.all(
        Array.from({ length: raterCount }, async (_, r) => {
          const email = `hh-rater-${r}@example.test`;
          const password = `rater-password-${r}`;
          const created = await api('/api/users', {
            method: 'POST',
            body: JSON.stringify({
              email,
              displayName: `Rater ${r}`,
              role: 'rater',
              password,
              country: ['KE', 'IN', 'BR', 'EG'][r % 4],
            }),
          });
          expect(created.status).toBe(201);
          const signIn = await fetch(`${base}/api/auth/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email, password }),
          });
          const raterCookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
          const socket: RaterSocket = io(base, {
            transports: ['websocket'],
            extraHeaders: { cookie: raterCookie, origin: base },
          });
          await new Promise<void>((resolve, reject) => {
            socket.once('connect', resolve);
            socket.once('connect_error', reject);
          });
          const choices = scaleChoices(5);
          // A polite client: on rate_limited it waits and asks again (a submit again with the same key).
          const patiently = async <T>(call: () => Promise<T>): Promise<T> => {
            for (;;) {
              const result = await call();
              const limited = (result as { ok?: boolean; error?: { code?: string } }).error?.code === 'rate_limited';
              if (!limited) return result;
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
          };
          for (;;) {
            const next = await patiently<NextAssignmentResult>(() =>
              socket.timeout(10_000).emitWithAck('assignment:next', { taskId: task.id }),
            );
            if (!('assignment' in next)) {
              expect(next).toMatchObject({ done: true });
              // "nothing_left_for_you" can be momentary (the open slots are leased to others): ask again until complete.
              if ('reason' in next && next.reason === 'task_complete') break;
              await new Promise((resolve) => setTimeout(resolve, 20));
              continue;
            }
            const { assignment } = next;
            const choice = choices[Math.floor(Math.random() * choices.length)]!;
            const key = randomUUID();
            const ack = await patiently<SubmitJudgmentResult>(() =>
              socket
                .timeout(10_000)
                .emitWithAck('judgment:submit', { assignmentId: assignment.id, key, choice, timeMs: 1000 + r }),
            );
            if (!('ok' in ack) || !ack.ok) throw new Error(JSON.stringify(ack));
            done.push({ judgmentId: ack.judgmentId, choice, left: assignment.left.text, right: assignment.right.text });
          }
          socket.close();
        }),
      );

      const stats = (await json(await api(`/api/tasks/${task.id}/stats`))) as unknown as {
        pairs: number;
        judgments: number;
        completePairs: number;
      };
      expect(stats).toMatchObject({ pairs: 2308, judgments: 2308 * 3, completePairs: 2308 });
      expect(done).toHaveLength(2308 * 3);

      const byExternalId = new Map(pairs.map((p) => [p.externalId!, p]));
      const mine = new Map(done.map((d) => [d.judgmentId, d]));

      // annotations: one line per judgment; the preference is the rater's choice turned from screen sides to A/B.
      const annotations = (await (await api(`/api/tasks/${task.id}/export?format=annotations`)).text())
        .trim()
        .split('\n')
        .map(
          (l) =>
            JSON.parse(l) as {
              judgmentId: string;
              externalId: string;
              preference: number;
              shownAFirst: boolean;
              raterId: string;
              country: string;
            },
        );
      expect(annotations).toHaveLength(done.length);
      const preferencesByPair = new Map<string, number[]>();
      for (const a of annotations) {
        const d = mine.get(a.judgmentId)!;
        const pair = byExternalId.get(a.externalId)!;
        const aOnLeft = d.left === pair.responseA.text;
        expect(aOnLeft ? d.right : d.left).toBe(pair.responseB.text);
        expect(a.shownAFirst).toBe(aOnLeft);
        expect(a.preference).toBe(aOnLeft ? d.choice : -d.choice || 0);
        expect(a.raterId).toMatch(/^r_[0-9a-f]{16}$/);
        preferencesByPair.set(a.externalId, [...(preferencesByPair.get(a.externalId) ?? []), a.preference]);
      }

      // dpo: one row per pair whose mean preference is not a tie; chosen is A when the mean is negative.
      const dpo = (await (await api(`/api/tasks/${task.id}/export?format=dpo`)).text())
        .trim()
        .split('\n')
        .map(
          (l) =>
            JSON.parse(l) as {
              externalId: string;
              prompt: unknown;
              chosen: Array<{ content: string }>;
              rejected: Array<{ content: string }>;
            },
        );
      const expectedRows = [...preferencesByPair].filter(([, prefs]) => prefs.reduce((a, b) => a + b, 0) !== 0);
      expect(dpo).toHaveLength(expectedRows.length);
      for (const row of dpo) {
        const pair = byExternalId.get(row.externalId)!;
        const sum = preferencesByPair.get(row.externalId)!.reduce((a, b) => a + b, 0);
        const [chosen, rejected] =
          sum < 0 ? [pair.responseA.text, pair.responseB.text] : [pair.responseB.text, pair.responseA.text];
        expect(row.prompt).toEqual(pair.prompt); // a conversation stays a message list (TRL conversational)
        expect(row.chosen).toEqual([{ role: 'assistant', content: chosen }]);
        expect(row.rejected).toEqual([{ role: 'assistant', content: rejected }]);
      }

      // csv: the annotations, row for row.
      const csv: Array<Record<string, string>> = parseCsv(
        await (await api(`/api/tasks/${task.id}/export?format=csv`)).text(),
        {
          columns: true,
        },
      );
      expect(csv).toHaveLength(annotations.length);
      expect(csv.map((r) => Number(r.preference))).toEqual(annotations.map((a) => a.preference));
    },
  );
});
