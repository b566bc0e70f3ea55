import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { seedPairs, seedRaters } from '../src/bench/seed.js';
import { checkLedger, newLedger, report, startBalancer, startLoad, watchLeases } from './fault-load.js';
import { startTestApp, type TestApp } from './harness.js';
import { spawnServer } from './spawn-server.js';

/**
 * Fault: one of two server nodes is killed with SIGKILL mid-load. The raters reach the nodes through a load balancer
 * (a TCP round-robin here); those on the dead node reconnect through it to the live one, their pending submissions
 * are sent again with the same idempotency key and land exactly once, and the leases they held are given back to
 * them (one lease per rater per task) or expire normally.
 */
const RATERS = 40;
const PAIRS = 400;
const PER_PAIR = 2;

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const undo of cleanups.reverse()) await undo();
});

describe('a server node killed mid-load', () => {
  it('SIGKILL on one of two nodes: raters move to the other, nothing lost, nothing doubled', async () => {
    const app: TestApp = await startTestApp(); // node B: in this process
    cleanups.push(() => app.close());
    const nodeA = await spawnServer({
      DATABASE_URL: app.databaseUrl,
      ANCHOR_SEED_DEMO: 'false',
      ANCHOR_DB_POOL_SIZE: '10',
    });
    cleanups.push(() => void nodeA.stop());
    const portOf = (url: string) => Number(new URL(url).port);
    const balancer = await startBalancer([
      { host: '127.0.0.1', port: portOf(nodeA.url) },
      { host: '127.0.0.1', port: portOf(app.url) },
    ]);
    cleanups.push(() => balancer.close());

    const pool = new pg.Pool({ connectionString: app.databaseUrl, max: 3 });
    cleanups.push(() => pool.end());
    const task = await app.createTask({ status: 'draft', judgmentsPerPair: PER_PAIR, leaseSeconds: 30 });
    await seedPairs(pool, task, PAIRS, 'kill');
    await app.services.tasks.update(task.id, { status: 'active' });
    const raters = await seedRaters(pool, RATERS, 'fault-kill');

    const ledger = newLedger();
    const load = await startLoad({ url: balancer.url, cookies: raters.cookies, taskId: task.id, paceMs: 30, ledger });
    cleanups.push(() => load.close());
    const onB = app.app.io.of('/').sockets.size; // node B's share; the rest are on A
    expect(onB).toBeGreaterThan(0);
    expect(onB).toBeLessThan(RATERS);
    const leases = watchLeases(pool, task.id);

    await load.acked(200);
    const ackedBefore = ledger.acked.size;
    const disconnected = load.sockets.filter((s) => s.connected).length;
    nodeA.child.kill('SIGKILL');
    await new Promise((resolve) => nodeA.child.once('exit', resolve));

    const results = await load.done;
    const maxLeases = await leases.stop();
    const check = await checkLedger(pool, task.id, ledger);
    report(
      'node killed (SIGKILL, one of two nodes)',
      check,
      `acked before the kill ${ackedBefore}; ${RATERS - onB} of ${RATERS} raters were on the killed node (${disconnected} connected at the kill); retries ${ledger.stats.retries}; lease_expired ${ledger.stats.expired}; most leases one rater held ${maxLeases}`,
    );

    expect(results.filter((r) => r.reason !== 'task_complete')).toEqual([]);
    expect(check).toMatchObject({ lost: 0, duplicated: 0, overTarget: 0, leased: 0, unacknowledged: 0 });
    expect(check.acked).toBe(PAIRS * PER_PAIR);
    expect(maxLeases).toBeLessThanOrEqual(1);
    // The leases of the killed node's raters were honoured: each got its own assignment back on the other node.
    expect(ledger.stats.expired).toBe(0);
    // Everyone ended on node B.
    expect(app.app.io.of('/').sockets.size).toBe(RATERS);
  });
});
