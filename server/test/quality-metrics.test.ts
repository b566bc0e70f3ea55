/**
 * The quality metrics' math against published test vectors (server/test/fixtures/quality-test-vectors.json; each
 * entry names its source and status: V-run = published and re-computed, V = from the cited test suite, D = derived
 * for that file), plus hand-made cases for the per-rater figures.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  bradleyTerryMM,
  countBattles,
  fitBradleyTerry,
  leaderboard,
  onlineElo,
  type BattleCounts,
} from '../src/quality/bradley-terry.js';
import { dawidSkene } from '../src/quality/dawid-skene.js';
import { cohenKappa, countsFromRatings, fleissKappa } from '../src/quality/kappa.js';
import {
  alphaFromReliabilityData,
  coincidences,
  krippendorffAlpha,
  unitsFromReliabilityData,
  type Metric,
} from '../src/quality/krippendorff.js';
import { binomial, multinomial, quantileSorted, Random } from '../src/quality/random.js';
import {
  agreementWithMajority,
  longestRun,
  majoritySign,
  matchesGold,
  median,
  othersVotes,
  RaterAccumulator,
} from '../src/quality/raters.js';

interface Vectors {
  krippendorff_alpha: Array<{
    id: string;
    reliability_data: Array<Array<number | null>>;
    expected: Partial<Record<Metric, number>>;
    derived_D?: Record<string, unknown>;
  }>;
  cohen_kappa: Array<{
    id: string;
    table: number[][];
    weights_linear_scores?: number[];
    expected: { p_o?: number; p_e?: number; kappa?: number; weighted_kappa?: number };
  }>;
  fleiss_kappa: Array<{
    id: string;
    counts_items_x_categories?: number[][];
    ratings_items_x_raters?: number[][];
    expected: { kappa: number; P_bar?: number; P_e?: number };
  }>;
  dawid_skene: Array<{ id: string; rows: string[][]; expected_labels: Record<string, string> }>;
  bradley_terry: Array<{
    id: string;
    method?: string;
    battles?: Array<[string, string, string]>;
    battles_counts?: Record<string, number>;
    rows?: string[][];
    expected?: Record<string, number>;
    expected_scores?: Record<string, number>;
    atol?: number;
  }>;
}

const vectors = JSON.parse(
  readFileSync(new URL('./fixtures/quality-test-vectors.json', import.meta.url), 'utf8'),
) as Vectors;
const vector = <T extends { id: string }>(list: T[], id: string): T => list.find((v) => v.id === id)!;

/**
 * |actual − expected| within half a unit in the last decimal place the vector gives (`decimals` when the JSON number
 * lost its trailing zeros, as 1000.0 does).
 */
function closeToPublished(actual: number | null, expected: number, decimals?: number) {
  const places = decimals ?? (String(expected).split('.')[1] ?? '').length;
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(0.5 * 10 ** -places + 1e-12);
}

describe("Krippendorff's α", () => {
  for (const v of vectors.krippendorff_alpha) {
    it(`${v.id}: ${Object.keys(v.expected).join(', ')}`, () => {
      for (const [metric, expected] of Object.entries(v.expected))
        closeToPublished(alphaFromReliabilityData(v.reliability_data, metric as Metric), expected);
    });
  }

  it('K1: the derived coincidence matrix, margins, ordinal and ratio α, and nominal α = 56/81 exactly', () => {
    const k1 = vector(vectors.krippendorff_alpha, 'K1');
    const d = k1.derived_D as {
      ordinal: number;
      ratio: number;
      coincidence_matrix_values_1_to_4: number[][];
      n_c: number[];
    };
    const c = coincidences(unitsFromReliabilityData(k1.reliability_data));
    expect(c.values).toEqual([1, 2, 3, 4]);
    c.o.forEach((row, i) =>
      row.forEach((x, j) => expect(x).toBeCloseTo(d.coincidence_matrix_values_1_to_4[i]![j]!, 12)),
    );
    expect(c.o.map((row) => row.reduce((a, b) => a + b, 0))).toEqual(d.n_c);
    expect(krippendorffAlpha(c, 'nominal')).toBeCloseTo(56 / 81, 14);
    closeToPublished(krippendorffAlpha(c, 'ordinal'), d.ordinal);
    closeToPublished(krippendorffAlpha(c, 'ratio'), d.ratio);
  });

  it('K5: the derived 6-decimal values (ordinal, ratio, nominal, interval)', () => {
    const k5 = vector(vectors.krippendorff_alpha, 'K5');
    const d = k5.derived_D as Record<string, number>;
    closeToPublished(alphaFromReliabilityData(k5.reliability_data, 'ordinal'), d.ordinal_6dp!);
    closeToPublished(alphaFromReliabilityData(k5.reliability_data, 'ratio'), d.ratio_6dp!);
    closeToPublished(alphaFromReliabilityData(k5.reliability_data, 'nominal'), d.nominal_6dp!);
    closeToPublished(alphaFromReliabilityData(k5.reliability_data, 'interval'), d.interval!);
  });

  it('is null without pairable values or without variation', () => {
    expect(alphaFromReliabilityData([[1, 2, 3]], 'nominal')).toBeNull();
    expect(
      alphaFromReliabilityData(
        [
          [1, 1],
          [1, 1],
        ],
        'ordinal',
      ),
    ).toBeNull();
  });
});

describe("Cohen's κ", () => {
  it('C1 (Wikipedia): p_o, p_e and κ', () => {
    const c1 = vector(vectors.cohen_kappa, 'C1');
    const k = cohenKappa(c1.table);
    // Exact fractions (35/50, 25/50, 0.2/0.5): checked to 12 places.
    closeToPublished(k.pO, c1.expected.p_o!, 12);
    closeToPublished(k.pE, c1.expected.p_e!, 12);
    closeToPublished(k.kappa, c1.expected.kappa!, 12);
  });
  it('C2 (statsmodels / SAS): κ', () => {
    const c2 = vector(vectors.cohen_kappa, 'C2');
    closeToPublished(cohenKappa(c2.table).kappa, c2.expected.kappa!);
  });
  it('C3 (statsmodels / SAS): linearly weighted κ', () => {
    const c3 = vector(vectors.cohen_kappa, 'C3');
    closeToPublished(
      cohenKappa(c3.table, { scores: c3.weights_linear_scores!, kind: 'linear' }).kappa,
      c3.expected.weighted_kappa!,
    );
  });
});

describe("Fleiss' κ", () => {
  it('F1 (Wikipedia): κ, P̄ and P̄e', () => {
    const f1 = vector(vectors.fleiss_kappa, 'F1');
    const k = fleissKappa(f1.counts_items_x_categories!);
    closeToPublished(k.kappa, f1.expected.kappa);
    closeToPublished(k.pBar, f1.expected.P_bar!);
    closeToPublished(k.pE, f1.expected.P_e!);
  });
  it('F2 (Fleiss 1971 via statsmodels / irr): κ', () => {
    const f2 = vector(vectors.fleiss_kappa, 'F2');
    closeToPublished(fleissKappa(countsFromRatings(f2.ratings_items_x_raters!)).kappa, f2.expected.kappa);
  });
});

describe('Dawid–Skene', () => {
  /** crowd-kit's toy data: [worker, task, label] rows → dense indices, labels in sorted order (no, yes). */
  function encode(rows: string[][]) {
    const workers = [...new Set(rows.map((r) => r[0]!))].sort();
    const items = [...new Set(rows.map((r) => r[1]!))].sort();
    const classes = [...new Set(rows.map((r) => r[2]!))].sort();
    return {
      workers,
      items,
      classes,
      obs: {
        worker: rows.map((r) => workers.indexOf(r[0]!)),
        item: rows.map((r) => items.indexOf(r[1]!)),
        label: rows.map((r) => classes.indexOf(r[2]!)),
      },
    };
  }
  const ds1 = vector(vectors.dawid_skene, 'DS1');
  const data = encode(ds1.rows);
  const run = (maxIterations: number) =>
    dawidSkene(data.obs, { items: data.items.length, workers: data.workers.length, classes: 2, maxIterations });

  it('DS1 (crowd-kit toy YSDA): the expected labels after 10 rounds and at convergence, t1 breaking a 2–2 vote', () => {
    for (const result of [run(10), run(1000)]) {
      const labels = Object.fromEntries(data.items.map((t, i) => [t, data.classes[result.labels[i]!]]));
      expect(labels).toEqual(ds1.expected_labels);
    }
    expect(run(1000).converged).toBe(true);
  });

  // Beyond the fixture: crowd-kit's step-by-step values for the same data (tests/aggregation/test_ds_aggregation.py,
  // `probas_iter_0/1`, `priors_iter_0/1`, `errors_iter_0/1`, checked there with atol 0.005).
  it('DS1 step by step: crowd-kit’s posteriors, priors and confusion matrices after 0 and 1 rounds', () => {
    const posteriors = [
      [
        [0.5, 0.5],
        [0.4, 0.6],
        [0.6, 0.4],
        [0.0, 1.0],
        [0.8, 0.2],
      ],
      [
        [0.35, 0.65],
        [0.26, 0.74],
        [0.87, 0.13],
        [0.0, 1.0],
        [0.95, 0.05],
      ],
    ];
    const priors = [
      [0.46, 0.54],
      [0.49, 0.51],
    ];
    // errors[worker] = [[P(no | no), P(no | yes)], [P(yes | no), P(yes | yes)]] (rows: answer, columns: truth).
    const errors = [
      [
        [
          [0.22, 0.19],
          [0.78, 0.81],
        ],
        [
          [0.61, 0.22],
          [0.39, 0.78],
        ],
        [
          [0.78, 0.27],
          [0.22, 0.73],
        ],
        [
          [0.52, 0.3],
          [0.48, 0.7],
        ],
        [
          [1.0, 0.63],
          [0.0, 0.37],
        ],
      ],
      [
        [
          [0.14, 0.25],
          [0.86, 0.75],
        ],
        [
          [0.75, 0.07],
          [0.25, 0.93],
        ],
        [
          [0.87, 0.09],
          [0.13, 0.91],
        ],
        [
          [0.5, 0.31],
          [0.5, 0.69],
        ],
        [
          [1.0, 0.61],
          [0.0, 0.39],
        ],
      ],
    ];
    for (const step of [0, 1]) {
      const r = run(step);
      r.posteriors.forEach((row, i) =>
        row.forEach((x, k) => expect(Math.abs(x - posteriors[step]![i]![k]!)).toBeLessThan(0.005)),
      );
      r.priors.forEach((x, k) => expect(Math.abs(x - priors[step]![k]!)).toBeLessThan(0.005));
      r.confusion.forEach((m, w) =>
        m.forEach((row, truth) =>
          row.forEach((x, answer) => expect(Math.abs(x - errors[step]![w]![answer]![truth]!)).toBeLessThan(0.005)),
        ),
      );
    }
  });

  it('reports each rater’s accuracy Σ π_k θ_kk, highest for the raters who agree with the consensus', () => {
    // Three classes (A, tie, B). Raters 0–2 answer the truth; rater 3 always answers A.
    const truth = [0, 2, 1, 0, 2, 2, 0, 1, 2, 0, 2, 0];
    const obs = { item: [] as number[], worker: [] as number[], label: [] as number[] };
    truth.forEach((t, i) => {
      for (let w = 0; w < 4; w++) {
        obs.item.push(i);
        obs.worker.push(w);
        obs.label.push(w === 3 ? 0 : t);
      }
    });
    const r = dawidSkene(obs, { items: truth.length, workers: 4, classes: 3 });
    expect(r.labels).toEqual(truth);
    for (const w of [0, 1, 2]) expect(r.accuracy[w]).toBeCloseTo(1, 6);
    const shareA = truth.filter((t) => t === 0).length / truth.length;
    expect(r.accuracy[3]).toBeCloseTo(shareA, 6);
    expect(r.priors.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});

describe('Bradley–Terry', () => {
  const countsOf = (v: Vectors['bradley_terry'][number]): BattleCounts[] => {
    if (v.battles) return countBattles(v.battles);
    return Object.entries(v.battles_counts!).map(([key, n]) => {
      const [winner, loser] = key.split('>') as [string, string];
      return { modelA: winner, modelB: loser, winsA: n, winsB: 0, ties: 0 };
    });
  };

  for (const id of ['BT1', 'BT2', 'BT3', 'BT4', 'BT5']) {
    it(`${id}: Elo-scale ratings (base 10, scale 400, mean 1000, ties half a win)`, () => {
      const v = vector(vectors.bradley_terry, id);
      const fit = fitBradleyTerry(countsOf(v));
      expect(fit.regularized).toBe(false);
      expect(fit.converged).toBe(true);
      for (const [model, expected] of Object.entries(v.expected!))
        closeToPublished(fit.ratings[fit.models.indexOf(model)]!, expected, 2);
    });
  }

  it('E1: online Elo with K = 4 (FastChat compute_elo)', () => {
    const v = vector(vectors.bradley_terry, 'E1');
    const ratings = onlineElo(v.battles!, { k: 4 });
    // 1000 ± 4 · (1 − ½) exactly.
    for (const [model, expected] of Object.entries(v.expected!)) closeToPublished(ratings.get(model)!, expected, 12);
  });

  for (const id of ['CK-BT-cycle', 'CK-BT-abc-iter10']) {
    it(`${id}: crowd-kit's MM scores after 10 iterations (atol from the vector)`, () => {
      const v = vector(vectors.bradley_terry, id);
      const items = [...new Set(v.rows!.flatMap((r) => [r[2]!, r[3]!]))].sort();
      const wins = items.map(() => items.map(() => 0));
      for (const [, , left, right, label] of v.rows!) {
        const loser = label === left ? right! : left!;
        wins[items.indexOf(label!)]![items.indexOf(loser)]! += 1;
      }
      const scores = bradleyTerryMM(wins, 10);
      for (const [item, expected] of Object.entries(v.expected_scores!))
        expect(Math.abs(scores[items.indexOf(item)]! - expected)).toBeLessThanOrEqual(v.atol!);
    });
  }

  it('the fit is the MLE: it agrees with many rounds of the MM update and with the closed form for two models', () => {
    const counts: BattleCounts[] = [
      { modelA: 'a', modelB: 'b', winsA: 7, winsB: 3, ties: 2 },
      { modelA: 'b', modelB: 'c', winsA: 5, winsB: 4, ties: 1 },
      { modelA: 'c', modelB: 'a', winsA: 2, winsB: 6, ties: 0 },
      { modelA: 'd', modelB: 'a', winsA: 1, winsB: 2, ties: 3 },
    ];
    const fit = fitBradleyTerry(counts);
    const items = fit.models;
    const wins = items.map(() => items.map(() => 0));
    for (const c of counts) {
      const [i, j] = [items.indexOf(c.modelA), items.indexOf(c.modelB)];
      wins[i]![j]! += c.winsA + c.ties / 2;
      wins[j]![i]! += c.winsB + c.ties / 2;
    }
    const p = bradleyTerryMM(wins, 20_000);
    const logs = p.map((x) => 400 * Math.log10(x));
    const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
    logs.forEach((l, i) => expect(fit.ratings[i]).toBeCloseTo(l - mean + 1000, 6));

    const two = fitBradleyTerry([{ modelA: 'x', modelB: 'y', winsA: 9, winsB: 2, ties: 1 }]);
    expect(two.ratings[0]! - two.ratings[1]!).toBeCloseTo(400 * Math.log10(9.5 / 2.5), 9);
  });

  it('stays finite when the MLE does not exist (a model that never won), and says so', () => {
    const fit = fitBradleyTerry([
      { modelA: 'a', modelB: 'b', winsA: 3, winsB: 0, ties: 0 },
      { modelA: 'b', modelB: 'c', winsA: 2, winsB: 1, ties: 0 },
    ]);
    expect(fit.regularized).toBe(true);
    expect(fit.ratings.every(Number.isFinite)).toBe(true);
    expect(fit.ratings[0]).toBeGreaterThan(fit.ratings[1]!);
    expect(fit.ratings[1]).toBeGreaterThan(fit.ratings[2]!);
    expect(fit.ratings.reduce((a, b) => a + b, 0) / 3).toBeCloseTo(1000, 9);
  });

  it('leaderboard: sorted, counted per model, deterministic per seed, intervals containing the rating', () => {
    const counts: BattleCounts[] = [
      { modelA: 'a', modelB: 'b', winsA: 30, winsB: 10, ties: 5 },
      { modelA: 'b', modelB: 'c', winsA: 25, winsB: 15, ties: 4 },
      { modelA: 'a', modelB: 'c', winsA: 35, winsB: 5, ties: 2 },
      { modelA: 'c', modelB: 'c', winsA: 3, winsB: 3, ties: 3 }, // self-battles are ignored
    ];
    const board = leaderboard(counts, { rounds: 200, seed: 7 });
    expect(board.models.map((m) => m.model)).toEqual(['a', 'b', 'c']);
    expect(board.battles).toBe(131);
    expect(board.models[0]).toMatchObject({ battles: 87, wins: 65, losses: 15, ties: 7 });
    for (const m of board.models) {
      expect(m.ciLow).toBeLessThanOrEqual(m.rating);
      expect(m.ciHigh).toBeGreaterThanOrEqual(m.rating);
      expect(m.ciHigh - m.ciLow).toBeGreaterThan(10);
    }
    expect(leaderboard(counts, { rounds: 200, seed: 7 })).toEqual(board);
    expect(leaderboard(counts, { rounds: 200, seed: 8 })).not.toEqual(board);
    const mean = board.models.reduce((s, m) => s + m.rating, 0) / 3;
    expect(mean).toBeCloseTo(1000, 9);
  });
});

describe('seeded sampling', () => {
  it('binomial variates have the right mean and variance, by inversion and by BTRS', () => {
    const rng = new Random(42);
    for (const [n, p] of [
      [20, 0.1],
      [1000, 0.3],
      [1_000_000, 0.7],
    ] as const) {
      const draws = Array.from({ length: 20_000 }, () => binomial(n, p, rng));
      const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
      const variance = draws.reduce((a, b) => a + (b - mean) ** 2, 0) / (draws.length - 1);
      const sd = Math.sqrt(n * p * (1 - p));
      expect(Math.abs(mean - n * p)).toBeLessThan((5 * sd) / Math.sqrt(draws.length));
      expect(variance / (sd * sd)).toBeGreaterThan(0.95);
      expect(variance / (sd * sd)).toBeLessThan(1.05);
      expect(draws.every((d) => Number.isInteger(d) && d >= 0 && d <= n)).toBe(true);
    }
  });

  it('BTRS matches the exact binomial distribution (χ² over the central values)', () => {
    const rng = new Random(3);
    const n = 60;
    const p = 0.4;
    const draws = 100_000;
    const seen = new Array<number>(n + 1).fill(0);
    for (let i = 0; i < draws; i++) seen[binomial(n, p, rng)]! += 1;
    let logC = 0;
    let chi2 = 0;
    let cells = 0;
    for (let k = 0; k <= n; k++) {
      if (k > 0) logC += Math.log((n - k + 1) / k);
      const expected = draws * Math.exp(logC + k * Math.log(p) + (n - k) * Math.log(1 - p));
      if (expected < 20) continue;
      chi2 += (seen[k]! - expected) ** 2 / expected;
      cells++;
    }
    expect(chi2).toBeLessThan(cells + 5 * Math.sqrt(2 * cells)); // far beyond the 99.9th percentile otherwise
  });

  it('multinomial draws keep the total and follow the cell shares', () => {
    const rng = new Random(1);
    const counts = [500, 0, 300, 200];
    const totals = [0, 0, 0, 0];
    for (let i = 0; i < 200; i++) {
      const d = multinomial(1000, counts, rng);
      expect(d.reduce((a, b) => a + b, 0)).toBe(1000);
      expect(d[1]).toBe(0);
      d.forEach((x, k) => (totals[k]! += x));
    }
    expect(totals[0]! / 200000).toBeCloseTo(0.5, 2);
    expect(totals[2]! / 200000).toBeCloseTo(0.3, 2);
  });

  it('quantiles interpolate like numpy', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4, 5], 0.025)).toBeCloseTo(1.1, 12);
    expect(quantileSorted([], 0.5)).toBeNull();
  });
});

describe('per-rater figures', () => {
  it('median: the middle value, or the mean of the middle two', () => {
    expect(median([])).toBeNull();
    expect(median([7])).toBe(7);
    expect(median([5000, 1000, 3000])).toBe(3000);
    expect(median([4000, 1000, 2000, 8000])).toBe(3000);
    expect(median([1, 2])).toBe(1.5);
  });

  it('longest run of the same choice', () => {
    expect(longestRun([])).toBe(0);
    expect(longestRun([1])).toBe(1);
    expect(longestRun([1, 1, -1, -1, -1, 0, -1])).toBe(3);
    expect(longestRun([2, 2, 2, 2])).toBe(4);
  });

  it('majority of the others: plurality sign, skipped on a tie in the vote count', () => {
    expect(majoritySign({ a: 2, tie: 0, b: 1 })).toBe(-1);
    expect(majoritySign({ a: 1, tie: 2, b: 1 })).toBe(0);
    expect(majoritySign({ a: 1, tie: 0, b: 1 })).toBeNull();
    expect(majoritySign({ a: 0, tie: 0, b: 0 })).toBeNull();
    expect(othersVotes({ a: 2, tie: 0, b: 1 }, -1)).toEqual({ a: 1, tie: 0, b: 1 });
  });

  it('leave-one-out agreement over hand-made pairs', () => {
    // Pair 1: votes A, A, B (the rater said A: others A, B → tie → skipped).
    // Pair 2: A, A, A (rater A; others A, A → agree). Pair 3: B, A, A (rater B; others A, A → disagree).
    // Pair 4: only the rater → no others → skipped. Pair 5: tie, tie, A (rater tie; others tie, A → skipped).
    // Pair 6: tie, B, B (rater tie; others B, B → disagree).
    const pairs: Array<{ all: number[]; own: -1 | 0 | 1 }> = [
      { all: [-1, -1, 1], own: -1 },
      { all: [-1, -1, -1], own: -1 },
      { all: [1, -1, -1], own: 1 },
      { all: [1], own: 1 },
      { all: [0, 0, -1], own: 0 },
      { all: [0, 1, 1], own: 0 },
    ];
    const rows = pairs.map(({ all, own }) => ({
      own,
      n: 1,
      others: othersVotes(
        {
          a: all.filter((s) => s < 0).length,
          tie: all.filter((s) => s === 0).length,
          b: all.filter((s) => s > 0).length,
        },
        own,
      ),
    }));
    expect(agreementWithMajority(rows)).toEqual({ agreement: 1 / 3, pairs: 3 });
    expect(agreementWithMajority([])).toEqual({ agreement: null, pairs: 0 });
  });

  it('gold answers: A ↔ preference < 0, B ↔ > 0, tie ↔ 0', () => {
    expect(matchesGold('A', -2)).toBe(true);
    expect(matchesGold('A', 0)).toBe(false);
    expect(matchesGold('B', 1)).toBe(true);
    expect(matchesGold('tie', 0)).toBe(true);
    expect(matchesGold('tie', 1)).toBe(false);
  });

  it('accumulates one rater’s judgments in order', () => {
    const acc = new RaterAccumulator({ tooFastMs: 3000, straightLiningRun: 3 });
    const rows = [
      { choice: -1, preference: 1, timeMs: 1000, gold: null },
      { choice: -1, preference: -1, timeMs: 5000, gold: 'A' },
      { choice: -1, preference: 1, timeMs: null, gold: 'A' },
      { choice: 0, preference: 0, timeMs: 2000, gold: null },
      { choice: 2, preference: 2, timeMs: 9000, gold: 'tie' },
    ];
    for (const r of rows) acc.add(r);
    expect(acc.result()).toEqual({
      judgments: 5,
      goldJudgments: 3,
      goldAccuracy: 1 / 3,
      timedJudgments: 4,
      medianTimeMs: 3500,
      nonTieJudgments: 4,
      leftJudgments: 3,
      leftShare: 3 / 4,
      longestRun: 3,
      straightLining: true,
      tooFastShare: 2 / 4,
    });
  });
});
