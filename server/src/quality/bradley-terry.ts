/**
 * Bradley–Terry ratings for a model leaderboard: P(i beats j) = p_i / (p_i + p_j), fitted by maximum likelihood over
 * win counts (a tie is half a win for each side), reported on the Elo scale (400 · log10 p, mean 1000) like Chatbot
 * Arena's `compute_mle_elo`, with percentile-bootstrap intervals. Pure: the counts come aggregated from SQL.
 */
import { multinomial, quantileSorted, Random } from './random.js';

/** One model pairing's outcomes, in the pair's own A/B order. */
export interface BattleCounts {
  modelA: string;
  modelB: string;
  winsA: number;
  winsB: number;
  ties: number;
}

export const ELO_SCALE = 400;
export const ELO_BASE = 10;
export const ELO_MEAN = 1000;
/**
 * When the maximum-likelihood fit does not exist (some model never won or tied, or the battles split the models into
 * groups that never met), each model gets this many virtual ties against a virtual model of mean strength, which keeps
 * every rating finite. Only then: otherwise the fit is the exact MLE.
 */
export const VIRTUAL_TIES = 1;

export interface BradleyTerryFit {
  models: string[];
  /** Elo-scale ratings in `models` order; their mean is 1000. */
  ratings: number[];
  /** Whether the virtual ties were needed. */
  regularized: boolean;
  iterations: number;
  converged: boolean;
}

interface Edge {
  i: number;
  j: number;
  /** Win credit of i over j, and of j over i (ties count half to each). */
  wij: number;
  wji: number;
}

/** Merges counts into one edge per unordered model pairing; self-battles carry no information and are dropped. */
function edgesOf(counts: readonly BattleCounts[], index: Map<string, number>): Edge[] {
  const byKey = new Map<string, Edge>();
  for (const c of counts) {
    if (c.modelA === c.modelB) continue;
    const a = index.get(c.modelA)!;
    const b = index.get(c.modelB)!;
    const [i, j, wi, wj] = a < b ? [a, b, c.winsA, c.winsB] : [b, a, c.winsB, c.winsA];
    const key = `${i},${j}`;
    const edge = byKey.get(key) ?? { i, j, wij: 0, wji: 0 };
    edge.wij += wi + c.ties / 2;
    edge.wji += wj + c.ties / 2;
    byKey.set(key, edge);
  }
  return [...byKey.values()].filter((e) => e.wij + e.wji > 0);
}

/** The models in first-seen order, skipping self-battles and pairings without any battle. */
function modelsOf(counts: readonly BattleCounts[]): string[] {
  const seen = new Set<string>();
  for (const c of counts) {
    if (c.modelA === c.modelB || c.winsA + c.winsB + c.ties <= 0) continue;
    seen.add(c.modelA);
    seen.add(c.modelB);
  }
  return [...seen];
}

/**
 * The MLE exists (finite and unique up to scale) iff the "has beaten or tied" graph is strongly connected
 * (Zermelo 1929; Hunter 2004, assumption 1).
 */
export function mleExists(n: number, edges: readonly Edge[]): boolean {
  if (n <= 1) return true;
  const forward: number[][] = Array.from({ length: n }, () => []);
  const backward: number[][] = Array.from({ length: n }, () => []);
  for (const e of edges) {
    if (e.wij > 0) {
      forward[e.i]!.push(e.j);
      backward[e.j]!.push(e.i);
    }
    if (e.wji > 0) {
      forward[e.j]!.push(e.i);
      backward[e.i]!.push(e.j);
    }
  }
  const reachesAll = (adjacency: number[][]) => {
    const seen = new Uint8Array(n);
    const stack = [0];
    seen[0] = 1;
    let count = 1;
    while (stack.length) {
      for (const next of adjacency[stack.pop()!]!)
        if (!seen[next]) {
          seen[next] = 1;
          count++;
          stack.push(next);
        }
    }
    return count === n;
  };
  return reachesAll(forward) && reachesAll(backward);
}

/**
 * Maximises the likelihood with Newman's iteration (M. E. J. Newman, "Efficient computation of rankings from pairwise
 * comparisons", JMLR 24, 2023): p_i ← Σ_j w_ij p_j/(p_i+p_j) / Σ_j w_ji/(p_i+p_j), one model at a time with the
 * latest values (the simultaneous form can oscillate). It has the same fixed point as Zermelo's/Hunter's MM update but
 * converges several times faster. Strengths are renormalised to geometric mean 1 after each sweep.
 */
function fitStrengths(
  n: number,
  edges: readonly Edge[],
  start?: readonly number[],
  tolerance = 1e-12,
  maxIterations = 100_000,
): { logP: number[]; iterations: number; converged: boolean } {
  // neighbours[i] = [j, w_ij, w_ji, ...]
  const neighbours: number[][] = Array.from({ length: n }, () => []);
  for (const e of edges) {
    neighbours[e.i]!.push(e.j, e.wij, e.wji);
    neighbours[e.j]!.push(e.i, e.wji, e.wij);
  }
  const p = start ? start.map((x) => Math.exp(x)) : new Array<number>(n).fill(1);
  let previous = p.map((x) => Math.log(x));
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    for (let i = 0; i < n; i++) {
      const list = neighbours[i]!;
      let num = 0;
      let den = 0;
      for (let x = 0; x < list.length; x += 3) {
        const j = list[x]!;
        const s = p[i]! + p[j]!;
        num += (list[x + 1]! * p[j]!) / s;
        den += list[x + 2]! / s;
      }
      p[i] = num / den;
    }
    const logP = p.map((x) => Math.log(x));
    const mean = logP.reduce((a, b) => a + b, 0) / n;
    let change = 0;
    for (let i = 0; i < n; i++) {
      logP[i]! -= mean;
      p[i] = Math.exp(logP[i]!);
      change = Math.max(change, Math.abs(logP[i]! - previous[i]!));
    }
    previous = logP;
    if (change < tolerance) return { logP, iterations: iteration, converged: true };
  }
  return { logP: previous, iterations: maxIterations, converged: false };
}

function toElo(logP: readonly number[]): number[] {
  const ratings = logP.map((l) => (ELO_SCALE * l) / Math.log(ELO_BASE));
  const mean = ratings.reduce((a, b) => a + b, 0) / ratings.length;
  return ratings.map((r) => r - mean + ELO_MEAN);
}

/** Fits every model that has a battle; `start` (natural-log strengths per model) warm-starts a bootstrap round. */
export function fitBradleyTerry(counts: readonly BattleCounts[], start?: ReadonlyMap<string, number>): BradleyTerryFit {
  const models = modelsOf(counts);
  if (models.length === 0) return { models, ratings: [], regularized: false, iterations: 0, converged: true };
  const index = new Map(models.map((m, i) => [m, i]));
  let edges = edgesOf(counts, index);
  const regularized = !mleExists(models.length, edges);
  const n = regularized ? models.length + 1 : models.length;
  if (regularized)
    edges = [
      ...edges,
      ...models.map((_, i) => ({ i, j: models.length, wij: VIRTUAL_TIES / 2, wji: VIRTUAL_TIES / 2 })),
    ];
  const initial = start && models.every((m) => start.has(m)) ? models.map((m) => start.get(m)!) : undefined;
  const { logP, iterations, converged } = fitStrengths(n, edges, initial && regularized ? [...initial, 0] : initial);
  return { models, ratings: toElo(logP.slice(0, models.length)), regularized, iterations, converged };
}

export interface LeaderboardEntry {
  model: string;
  rating: number;
  ciLow: number;
  ciHigh: number;
  battles: number;
  wins: number;
  losses: number;
  ties: number;
}

export interface Leaderboard {
  models: LeaderboardEntry[];
  /** Battles (judgments) behind the fit. */
  battles: number;
  regularized: boolean;
}

export interface BootstrapOptions {
  rounds: number;
  seed: number;
  /** Central coverage of the interval; 0.95 gives the 2.5th and 97.5th percentiles. */
  confidence?: number;
}

/**
 * The leaderboard with percentile-bootstrap intervals. A round resamples all N battles with replacement, which is a
 * Multinomial(N, cell counts / N) draw over the (pairing, outcome) cells, so its cost does not grow with N. An
 * interval is widened to include the point rating if a percentile falls on the wrong side of it (possible with
 * skewed resamples), so that it always contains the rating. A model missing from a resample (all its battles left
 * out) is not rated in that round; its interval uses the rounds it appears in.
 */
export function leaderboard(counts: readonly BattleCounts[], options: BootstrapOptions): Leaderboard {
  const valid = counts.filter((c) => c.modelA !== c.modelB && c.winsA + c.winsB + c.ties > 0);
  const fit = fitBradleyTerry(valid);
  const stats = new Map<string, { battles: number; wins: number; losses: number; ties: number }>(
    fit.models.map((m) => [m, { battles: 0, wins: 0, losses: 0, ties: 0 }]),
  );
  let battles = 0;
  for (const c of valid) {
    const a = stats.get(c.modelA)!;
    const b = stats.get(c.modelB)!;
    const total = c.winsA + c.winsB + c.ties;
    battles += total;
    a.battles += total;
    b.battles += total;
    a.wins += c.winsA;
    a.losses += c.winsB;
    b.wins += c.winsB;
    b.losses += c.winsA;
    a.ties += c.ties;
    b.ties += c.ties;
  }

  const samples = new Map<string, number[]>(fit.models.map((m) => [m, []]));
  if (options.rounds > 0 && fit.models.length > 0) {
    const rng = new Random(options.seed);
    const cells = valid.flatMap((c) => [c.winsA, c.winsB, c.ties]);
    const start = new Map(
      fit.models.map((m, i) => [m, ((fit.ratings[i]! - ELO_MEAN) * Math.log(ELO_BASE)) / ELO_SCALE]),
    );
    for (let round = 0; round < options.rounds; round++) {
      const drawn = multinomial(battles, cells, rng);
      const resampled = valid.map((c, k) => ({
        modelA: c.modelA,
        modelB: c.modelB,
        winsA: drawn[3 * k]!,
        winsB: drawn[3 * k + 1]!,
        ties: drawn[3 * k + 2]!,
      }));
      const roundFit = fitBradleyTerry(resampled, start);
      roundFit.models.forEach((m, i) => samples.get(m)!.push(roundFit.ratings[i]!));
    }
  }

  const tail = (1 - (options.confidence ?? 0.95)) / 2;
  const models = fit.models.map((model, i): LeaderboardEntry => {
    const rating = fit.ratings[i]!;
    const sorted = samples.get(model)!.sort((a, b) => a - b);
    const low = quantileSorted(sorted, tail) ?? rating;
    const high = quantileSorted(sorted, 1 - tail) ?? rating;
    return { model, rating, ciLow: Math.min(low, rating), ciHigh: Math.max(high, rating), ...stats.get(model)! };
  });
  models.sort((x, y) => y.rating - x.rating || x.model.localeCompare(y.model));
  return { models, battles, regularized: fit.regularized };
}

/** Chatbot Arena battle outcomes ("tie (bothbad)" is a tie too) → counts per pairing. */
export function countBattles(battles: ReadonlyArray<readonly [string, string, string]>): BattleCounts[] {
  const byKey = new Map<string, BattleCounts>();
  for (const [modelA, modelB, winner] of battles) {
    const key = JSON.stringify([modelA, modelB]);
    const c = byKey.get(key) ?? { modelA, modelB, winsA: 0, winsB: 0, ties: 0 };
    if (winner === 'model_a') c.winsA++;
    else if (winner === 'model_b') c.winsB++;
    else if (winner.startsWith('tie')) c.ties++;
    else throw new Error(`unknown battle outcome ${winner}`);
    byKey.set(key, c);
  }
  return [...byKey.values()];
}

/**
 * crowd-kit's `BradleyTerry` step for step (Hunter's MM update, all strengths at once, renormalised to sum 1, starting
 * from equal strengths, a fixed number of iterations): for checking against its published test values. `wins[i][j]`
 * is how often i beat j. A never-winning item goes to strength 0, where the MLE would diverge.
 */
export function bradleyTerryMM(wins: ReadonlyArray<readonly number[]>, iterations: number): number[] {
  const n = wins.length;
  const w = wins.map((row) => row.reduce((a, b) => a + b, 0));
  let p = new Array<number>(n).fill(1);
  let result = p.map(() => 1 / n);
  for (let it = 0; it < iterations; it++) {
    const next = w.map((wi, i) => {
      let z = 0;
      for (let j = 0; j < n; j++) {
        const t = wins[i]![j]! + wins[j]![i]!;
        if (t > 0 && p[i]! + p[j]! > 0) z += t / (p[i]! + p[j]!);
      }
      return z > 0 ? wi / z : 0;
    });
    const sum = next.reduce((a, b) => a + b, 0);
    result = next.map((x) => x / sum);
    p = result;
  }
  return result;
}

/** Online Elo over battles in order (FastChat's `compute_elo`): for checking against its published values. */
export function onlineElo(
  battles: ReadonlyArray<readonly [string, string, string]>,
  { k = 4, scale = ELO_SCALE, base = ELO_BASE, initial = ELO_MEAN } = {},
): Map<string, number> {
  const rating = new Map<string, number>();
  for (const [a, b, winner] of battles) {
    const ra = rating.get(a) ?? initial;
    const rb = rating.get(b) ?? initial;
    const ea = 1 / (1 + base ** ((rb - ra) / scale));
    const eb = 1 / (1 + base ** ((ra - rb) / scale));
    const sa = winner === 'model_a' ? 1 : winner === 'model_b' ? 0 : 0.5;
    rating.set(a, ra + k * (sa - ea));
    rating.set(b, rb + k * (1 - sa - eb));
  }
  return rating;
}
