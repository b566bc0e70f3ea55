/**
 * Per-rater figures, computed from one rater's judgments in time order (created_at, then seq). Pure: the repository
 * streams rows in and reads figures out, so a task's judgments are never all in memory at once.
 */

/** The median; the mean of the middle two for an even count; null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Length of the longest run of equal consecutive values (0 for none). */
export function longestRun(values: Iterable<number>): number {
  const run = new RunTracker();
  for (const v of values) run.push(v);
  return run.longest;
}

export class RunTracker {
  longest = 0;
  private current = 0;
  private last: number | undefined;

  push(value: number): void {
    this.current = value === this.last ? this.current + 1 : 1;
    this.last = value;
    if (this.current > this.longest) this.longest = this.current;
  }
}

export type Sign = -1 | 0 | 1;

/** Judgments per sign: A better (preference < 0), tie, B better. */
export interface Votes {
  a: number;
  tie: number;
  b: number;
}

export function signOf(preference: number): Sign {
  return preference < 0 ? -1 : preference > 0 ? 1 : 0;
}

/** The sign with the most votes; null without votes or when the top count is shared. */
export function majoritySign(votes: Votes): Sign | null {
  const ranked = (
    [
      [-1, votes.a],
      [0, votes.tie],
      [1, votes.b],
    ] as Array<[Sign, number]>
  ).sort((x, y) => y[1] - x[1]);
  const [first, second] = ranked;
  return first![1] > 0 && first![1] > second![1] ? first![0] : null;
}

/** A pair's votes without one judgment's own. */
export function othersVotes(all: Votes, own: Sign): Votes {
  return { a: all.a - (own === -1 ? 1 : 0), tie: all.tie - (own === 0 ? 1 : 0), b: all.b - (own === 1 ? 1 : 0) };
}

/** `n` pairs where the rater answered `own` and the other raters of the pair voted `others`. */
export interface LeaveOneOutRow {
  own: Sign;
  others: Votes;
  n: number;
}

/**
 * Leave-one-out agreement: over the pairs the rater judged that at least one other rater judged, and where the
 * others' majority sign is not a tie in the vote count, the share where the rater's sign equals that majority.
 * `pairs` is how many pairs counted.
 */
export function agreementWithMajority(rows: Iterable<LeaveOneOutRow>): { agreement: number | null; pairs: number } {
  let pairs = 0;
  let agree = 0;
  for (const row of rows) {
    const majority = majoritySign(row.others);
    if (majority === null) continue;
    pairs += row.n;
    if (majority === row.own) agree += row.n;
  }
  return { agreement: pairs > 0 ? agree / pairs : null, pairs };
}

/** A gold answer and a preference: 'A' ↔ preference < 0, 'B' ↔ > 0, 'tie' ↔ 0. */
export function matchesGold(gold: string, preference: number): boolean {
  return gold === 'A' ? preference < 0 : gold === 'B' ? preference > 0 : gold === 'tie' && preference === 0;
}

export interface Thresholds {
  /** A judgment made in less than this many milliseconds counts as too fast. */
  tooFastMs: number;
  /** A run of this many identical consecutive choices flags straight-lining. */
  straightLiningRun: number;
}

export interface JudgmentFacts {
  /** Screen-relative: negative means the left response was preferred. */
  choice: number;
  /** Pair-relative: negative means A was preferred. */
  preference: number;
  timeMs: number | null;
  /** The pair's gold answer, if it is a gold pair. */
  gold: string | null;
}

export interface RaterFigures {
  judgments: number;
  goldJudgments: number;
  /** Share of gold judgments that match the gold answer. */
  goldAccuracy: number | null;
  /** Judgments that reported a time. */
  timedJudgments: number;
  medianTimeMs: number | null;
  nonTieJudgments: number;
  /** Non-tie judgments that preferred the left response. */
  leftJudgments: number;
  /** Share of non-tie judgments that preferred the left response. */
  leftShare: number | null;
  /** Longest run of the same choice, in the order the judgments were made. */
  longestRun: number;
  straightLining: boolean;
  /** Share of timed judgments faster than `tooFastMs`. */
  tooFastShare: number | null;
}

/** Feed one rater's judgments in time order; memory is the rater's reported times (for the exact median). */
export class RaterAccumulator {
  private judgments = 0;
  private goldJudgments = 0;
  private goldCorrect = 0;
  private readonly times: number[] = [];
  private tooFast = 0;
  private nonTie = 0;
  private left = 0;
  private readonly run = new RunTracker();

  constructor(private readonly thresholds: Thresholds) {}

  add(j: JudgmentFacts): void {
    this.judgments++;
    if (j.gold !== null) {
      this.goldJudgments++;
      if (matchesGold(j.gold, j.preference)) this.goldCorrect++;
    }
    if (j.timeMs !== null) {
      this.times.push(j.timeMs);
      if (j.timeMs < this.thresholds.tooFastMs) this.tooFast++;
    }
    if (j.choice !== 0) {
      this.nonTie++;
      if (j.choice < 0) this.left++;
    }
    this.run.push(j.choice);
  }

  result(): RaterFigures {
    return {
      judgments: this.judgments,
      goldJudgments: this.goldJudgments,
      goldAccuracy: this.goldJudgments > 0 ? this.goldCorrect / this.goldJudgments : null,
      timedJudgments: this.times.length,
      medianTimeMs: median(this.times),
      nonTieJudgments: this.nonTie,
      leftJudgments: this.left,
      leftShare: this.nonTie > 0 ? this.left / this.nonTie : null,
      longestRun: this.run.longest,
      straightLining: this.run.longest >= this.thresholds.straightLiningRun,
      tooFastShare: this.times.length > 0 ? this.tooFast / this.times.length : null,
    };
  }
}
