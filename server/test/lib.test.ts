import { describe, expect, it } from 'vitest';
import { Batcher } from '../src/lib/batcher.js';
import { BoundedMap } from '../src/lib/bounded-map.js';
import { collectGarbage } from '../src/lib/collect-garbage.js';

describe('Batcher', () => {
  it('runs one item at once, and gathers what arrives meanwhile into the next batch, up to its size', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>(async (items) => {
      batches.push(items);
      await new Promise((resolve) => setTimeout(resolve, 20));
      return items.map((i) => i * 10);
    }, 3);
    const first = batcher.add(1);
    const rest = [2, 3, 4, 5, 6].map((i) => batcher.add(i));
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40, 50, 60]);
    expect(batches).toEqual([[1], [2, 3, 4], [5, 6]]);
  });

  it('when a batch fails, runs its items one by one, so only the item that breaks fails', async () => {
    const runs: number[][] = [];
    const batcher = new Batcher<number, number>(async (items) => {
      runs.push(items);
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (items.includes(3)) throw new Error('three is refused');
      return items;
    }, 10);
    const results = await Promise.allSettled([1, 2, 3, 4].map((i) => batcher.add(i)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      1,
      2,
      'three is refused',
      4,
    ]);
    expect(runs).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
  });
});

describe('BoundedMap', () => {
  it('forgets the oldest entries beyond its capacity; setting an entry again makes it the newest', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    map.set('a', 3); // a is now the newest
    map.set('c', 4); // b, the oldest, goes
    expect([map.get('a'), map.get('b'), map.get('c'), map.size]).toEqual([3, undefined, 4, 2]);
    map.delete('a');
    expect([map.get('a'), map.size]).toEqual([undefined, 1]);
  });

  it('makes an entry only when it has none', () => {
    const map = new BoundedMap<string, number>(2);
    let made = 0;
    const make = () => ++made * 10;
    expect([map.getOrSet('a', make), map.getOrSet('a', make), map.getOrSet('b', make)]).toEqual([10, 10, 20]);
    expect(made).toBe(2);
  });
});

describe('collectGarbage', () => {
  it('frees garbage at once, with no --expose-gc on the command line', () => {
    const heldBy = { garbage: Array.from({ length: 300_000 }, (_, n) => ({ n, s: `#${n}` })) as unknown[] | null };
    const held = process.memoryUsage().heapUsed;
    expect(heldBy.garbage?.length).toBe(300_000);
    heldBy.garbage = null;
    collectGarbage();
    // 300,000 small objects and strings: well over 10 MB, all unreachable now.
    expect(held - process.memoryUsage().heapUsed).toBeGreaterThan(10_000_000);
  });
});
