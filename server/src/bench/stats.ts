import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Summary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles (p in 0..100) of latency samples in ms. */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) return { count: 0, p50: NaN, p99: NaN, max: NaN };
  const sorted = Float64Array.from(samples).sort();
  const rank = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  return { count: sorted.length, p50: rank(50), p99: rank(99), max: sorted[sorted.length - 1]! };
}

/** Resident set size of a process from /proc (Linux), in bytes; undefined elsewhere or once it has exited. */
export function rssOf(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; keeps the peak and the last value. */
export function watchRss(pid: number, everyMs = 500): { stop(): { peak?: number; last?: number } } {
  let peak: number | undefined;
  let last: number | undefined;
  const sample = () => {
    const rss = rssOf(pid);
    if (rss === undefined) return;
    last = rss;
    peak = Math.max(peak ?? 0, rss);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { ...(peak !== undefined ? { peak } : {}), ...(last !== undefined ? { last } : {}) };
    },
  };
}

/**
 * The event-loop lag proxy: GET /healthz (no database, no auth) every `everyMs`, one at a time, timing each answer.
 * The handler does nothing, so its response time is dominated by how long the request waits for the server's event
 * loop (plus the client's own scheduling on a shared machine).
 */
export function probeHealth(url: string, everyMs = 100): { stop(): Promise<number[]> } {
  const samples: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        samples.push(performance.now() - t0);
      } catch {
        samples.push(10_000);
      }
      await sleep(Math.max(0, everyMs - (performance.now() - t0)));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}

/**
 * CPU of a process in clock ticks (its own, and that of its children that have exited and been waited for), and its
 * parent's pid; undefined once it has gone. Counting the children that have exited matters: PostgreSQL's backends
 * end with their connections, and without their time a measurement that closes its connections before it stops
 * watching would book their CPU to "others".
 */
function procStat(pid: number): { ppid: number; ticks: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields that matter come after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime (fields 14-17 of proc(5))
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    return { ppid: Number(fields[1]), ticks };
  } catch {
    return undefined;
  }
}

/** CPU ticks of this process and all its descendants (server, rater workers, the embedded PostgreSQL). */
function benchTicks(): Map<number, number> {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = procStat(Number(entry));
    if (s) stats.set(Number(entry), s);
  }
  const ours = new Map<number, number>();
  const queue = [process.pid];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    ours.set(pid, stats.get(pid)?.ticks ?? 0);
    for (const [child, s] of stats) if (s.ppid === pid && !ours.has(child)) queue.push(child);
  }
  return ours;
}

/** Busy and total ticks of all CPUs, from the first line of /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const n = values.slice(0, 8).map(Number); // user nice system idle iowait irq softirq steal
  const total = n.reduce((a, b) => a + b, 0);
  return { busy: total - n[3]! - n[4]!, total };
}

/**
 * How many CPU cores processes outside the bench kept busy during a measurement (other test suites, builds…): on a
 * shared machine this is what makes numbers pessimistic, so every measured window reports it. Linux only; elsewhere
 * (or when /proc cannot be read) it reports undefined.
 */
export function watchMachine(): { stop(): number | undefined } {
  let start: { machine: ReturnType<typeof machineTicks>; ours: Map<number, number> } | undefined;
  try {
    start = { machine: machineTicks(), ours: benchTicks() };
  } catch {
    start = undefined;
  }
  return {
    stop() {
      if (!start) return undefined;
      try {
        const machine = machineTicks();
        const ours = benchTicks();
        let oursDelta = 0;
        for (const [pid, ticks] of ours) oursDelta += ticks - (start.ours.get(pid) ?? 0);
        const total = machine.total - start.machine.total;
        if (total <= 0) return undefined;
        const others = machine.busy - start.machine.busy - oursDelta;
        return Math.max(0, (others / total) * availableParallelism());
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * Milliseconds one core takes for a fixed piece of work (copying a judgment-shaped object and taking it through JSON
 * and back; the median of five tries after one to warm up). Runs on the same kind of VM differed twofold in speed
 * from one host to another, and "others used" cannot see that (it counts only this machine's processes and steal).
 * Compare this figure between runs before comparing their latencies.
 */
export function cpuProbeMs(): number {
  const judgment = {
    assignmentId: '0b6f1c9e-6a57-4d8e-9a43-3d2b1f0e7c21',
    idempotencyKey: 'f3a1d2c4-5b6e-4f70-8a91-b2c3d4e5f607',
    choice: 1,
    preference: -2,
    rationale: 'A answers the question and stays polite; B lectures.',
    criteria: { helpful: 'A', harmless: 'tie' },
    signals: { activeMs: 18_250, focusLosses: 0, firstChoiceMs: 9_400, screenWidth: 1440, uiVersion: '0.1.0' },
  };
  const times: number[] = [];
  for (let attempt = 0; attempt < 6; attempt++) {
    const start = performance.now();
    let length = 0;
    for (let i = 0; i < 20_000; i++) length += JSON.stringify(JSON.parse(JSON.stringify({ ...judgment, i }))).length;
    if (length === 0) throw new Error('unreachable: keeps the loop from being optimised away');
    if (attempt > 0) times.push(performance.now() - start); // the first warms up the JIT
  }
  return summarize(times).p50;
}
