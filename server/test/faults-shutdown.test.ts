import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../src/bench/seed.js';
import { freePort, startEmbeddedPostgres } from '../src/db/embedded.js';
import { signIn } from '../src/tools/simulated-rater.js';
import { checkLedger, newLedger, report, startLoad } from './fault-load.js';
import { spawnServer, type SpawnedServer } from './spawn-server.js';

/**
 * Graceful shutdown on SIGTERM, with the embedded PostgreSQL and raters submitting: the server stops accepting
 * connections at once, finishes an import that is streaming in, acknowledges the socket events already in flight,
 * tells every socket `session:ended {reason: 'shutdown'}` and closes it so that the client reconnects by itself,
 * closes its pool and stops the embedded database last. Started again on the same port and data directory, the same
 * raters carry on and finish, and every acknowledged judgment is there exactly once.
 */
const RATERS = 10;
const PAIRS = 300;
const IMPORT_LINES = 300;
const admin = { email: 'shutdown-admin@example.test', password: 'shutdown-admin-password' };
const dataDir = mkdtempSync(path.join(tmpdir(), 'anchor-shutdown-'));

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const undo of cleanups.reverse()) await undo();
  rmSync(dataDir, { recursive: true, force: true });
});

function postmasterRunning(): boolean {
  const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
  if (!existsSync(pidFile)) return false;
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 0);
    return true;
  } catch {
    return false;
  }
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('graceful shutdown', () => {
  it('SIGTERM: stops accepting, finishes in-flight work, says why to sockets, stops the embedded database last', async () => {
    const port = await freePort();
    const env = {
      ANCHOR_DATA_DIR: dataDir,
      PORT: String(port),
      ANCHOR_SEED_DEMO: 'false',
      ANCHOR_ADMIN_EMAIL: admin.email,
      ANCHOR_ADMIN_PASSWORD: admin.password,
    };
    let server: SpawnedServer = await spawnServer(env);
    cleanups.push(() => void server.stop());
    const url = `http://127.0.0.1:${port}`;

    const client = await AdminClient.signIn(url, admin.email, admin.password);
    const task = await client.createTask('Shutdown: judged', 1, { draft: true });
    await client.importPairs(task.id, PAIRS, 'shutdown');
    await client.activate(task.id);
    const importTask = await client.createTask('Shutdown: imported during the drain', 1, { draft: true });
    const cookies: string[] = [];
    for (let i = 0; i < RATERS; i++) {
      const email = `shutdown-rater-${i}@example.test`;
      const res = await fetch(`${url}/api/users`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${(client as unknown as { token: string }).token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ email, displayName: `Rater ${i}`, role: 'rater', password: 'rater-password-1' }),
      });
      expect(res.status).toBe(201);
      cookies.push(await signIn(url, email, 'rater-password-1'));
    }

    const ledger = newLedger();
    const load = await startLoad({ url, cookies, taskId: task.id, paceMs: 40, ledger });
    cleanups.push(() => load.close());
    const ended: string[] = [];
    const disconnects: string[] = [];
    for (const s of load.sockets) {
      s.on('session:ended', ({ reason }) => ended.push(reason));
      s.on('disconnect', (reason) => disconnects.push(reason));
    }
    await load.acked(60);

    // An import that is still streaming in when SIGTERM arrives: one line every few milliseconds.
    const lines = Array.from(
      { length: IMPORT_LINES },
      (_, i) =>
        JSON.stringify({
          externalId: `drain-${i}`,
          prompt: `Q${i}`,
          responseA: { text: 'a' },
          responseB: { text: 'b' },
        }) + '\n',
    );
    const encoder = new TextEncoder();
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === lines.length) return controller.close();
        await new Promise((r) => setTimeout(r, 5));
        controller.enqueue(encoder.encode(lines[sent++]));
      },
    });
    const importing = fetch(`${url}/api/tasks/${importTask.id}/pairs`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${(client as unknown as { token: string }).token}`,
        'content-type': 'application/x-ndjson',
      },
      body,
      duplex: 'half',
    });
    while (sent < 30) await new Promise((r) => setTimeout(r, 10));

    const connectedAtSigterm = load.sockets.filter((s) => s.connected).length;
    const ackedBefore = ledger.acked.size;
    const exited = new Promise<number | null>((resolve) => server.child.once('close', (code) => resolve(code))); // 'close': its output is all read
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    expect(await refusesConnections(port)).toBe(true); // stopped accepting
    expect(sent).toBeLessThan(IMPORT_LINES); // …while the import was still coming in

    const imported = await importing;
    expect(imported.status).toBe(200);
    expect(await imported.json()).toMatchObject({ inserted: IMPORT_LINES, skipped: 0, errors: [] });
    expect(await exited).toBe(0);
    const output = server.output();
    // The shutdown's steps, by their log lines' timestamps (a pipe may hand two lines of one millisecond over in either
    // order): drain, then the pool, then the embedded PostgreSQL, then exit.
    const steps = [
      'shutting down',
      'requests and sockets drained',
      'database pool closed',
      'embedded PostgreSQL stopped',
      'stopped cleanly',
    ];
    const times = steps.map((step) => {
      const line = output.split('\n').find((l) => l.includes(`"msg":"${step}`));
      expect(line, step).toBeDefined();
      return (JSON.parse(line!) as { time: number }).time;
    });
    expect(
      [...times].sort((a, b) => a - b),
      steps.join(' → '),
    ).toEqual(times);
    expect(output).not.toMatch(/"level":(50|60)/);
    expect(postmasterRunning()).toBe(false);
    const endedAtShutdown = ended.length;
    expect(endedAtShutdown).toBe(connectedAtSigterm);
    expect(new Set(ended)).toEqual(new Set(['shutdown']));
    expect(disconnects.filter((r) => r !== 'transport close')).toEqual([]); // the client reconnects by itself

    // Back on the same port and data: the raters reconnect and finish without being told.
    server = await spawnServer(env);
    const results = await load.done;
    expect(results.filter((r) => r.reason !== 'task_complete')).toEqual([]);
    expect(await server.stop()).toBe(0);

    const db = await startEmbeddedPostgres({ dir: dataDir });
    cleanups.push(() => db.stop());
    const pool = new pg.Pool({ connectionString: db.url(), max: 2 });
    // An idle client can still hear the database stop while the pool ends, after the test: not an error of the test.
    pool.on('error', () => {});
    cleanups.push(() => pool.end());
    const check = await checkLedger(pool, task.id, ledger);
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM pairs WHERE task_id = $1', [
      importTask.id,
    ]);
    report(
      'graceful shutdown (SIGTERM, embedded PostgreSQL) and restart',
      check,
      `acked before SIGTERM ${ackedBefore}; session:ended on ${endedAtShutdown} of ${connectedAtSigterm} sockets; import during the drain ${rows[0]!.n}/${IMPORT_LINES} rows; retries ${ledger.stats.retries}`,
    );
    expect(check).toMatchObject({ lost: 0, duplicated: 0, overTarget: 0, leased: 0, unacknowledged: 0 });
    expect(check.acked).toBe(PAIRS);
    expect(rows[0]!.n).toBe(IMPORT_LINES);
  });
});
