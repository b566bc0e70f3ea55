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

/** utime + stime of a process in clock ticks, and its parent's pid; undefined once it has gone. */
function procStat(pid: number): { ppid: number; ticks: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields that matter come after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
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
