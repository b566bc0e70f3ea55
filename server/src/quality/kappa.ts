/**
 * Cohen's κ (two raters, optionally weighted) and Fleiss' κ (a fixed number of raters per item): chance-corrected
 * agreement, as helpers next to Krippendorff's α (which, unlike these, handles missing judgments).
 */

export interface CohenKappa {
  /** Observed agreement (unweighted) */
  pO: number;
  /** Agreement expected by chance from the margins (unweighted). */
  pE: number;
  kappa: number | null;
}

/**
 * From a K×K contingency table (rows: rater 1's category, columns: rater 2's). With `scores`, the weighted κ with
 * linear (|s_i − s_j|) or quadratic disagreement weights; pO and pE stay the unweighted figures.
 */
export function cohenKappa(
  table: ReadonlyArray<readonly number[]>,
  weighting?: { scores: readonly number[]; kind: 'linear' | 'quadratic' },
): CohenKappa {
  const K = table.length;
  const rows = table.map((r) => r.reduce((a, b) => a + b, 0));
  const cols = table[0]!.map((_, j) => table.reduce((s, r) => s + r[j]!, 0));
  const n = rows.reduce((a, b) => a + b, 0);
  let observedAgree = 0;
  let expectedAgree = 0;
  let observedDis = 0;
  let expectedDis = 0;
  for (let i = 0; i < K; i++)
    for (let j = 0; j < K; j++) {
      const o = table[i]![j]! / n;
      const e = (rows[i]! * cols[j]!) / (n * n);
      if (i === j) {
        observedAgree += o;
        expectedAgree += e;
      }
      const d = weighting ? Math.abs(weighting.scores[i]! - weighting.scores[j]!) : i === j ? 0 : 1;
      const w = weighting?.kind === 'quadratic' ? d * d : d;
      observedDis += w * o;
      expectedDis += w * e;
    }
  return { pO: observedAgree, pE: expectedAgree, kappa: expectedDis > 0 ? 1 - observedDis / expectedDis : null };
}

export interface FleissKappa {
  /** Mean agreement per item. */
  pBar: number;
  /** Agreement expected by chance. */
  pE: number;
  kappa: number | null;
}

/** From an items × categories table of how many raters put each item in each category (the same number per item). */
export function fleissKappa(counts: ReadonlyArray<readonly number[]>): FleissKappa {
  const N = counts.length;
  const n = counts[0]!.reduce((a, b) => a + b, 0);
  const K = counts[0]!.length;
  const p = new Array<number>(K).fill(0);
  let pBar = 0;
  for (const row of counts) {
    if (row.reduce((a, b) => a + b, 0) !== n) throw new Error('Fleiss’ κ needs the same number of ratings per item.');
    let agree = 0;
    row.forEach((c, k) => {
      p[k]! += c / (N * n);
      agree += c * (c - 1);
    });
    pBar += agree / (n * (n - 1)) / N;
  }
  const pE = p.reduce((s, x) => s + x * x, 0);
  return { pBar, pE, kappa: pE < 1 ? (pBar - pE) / (1 - pE) : null };
}

/** Items × raters ratings → items × categories counts, over the sorted distinct categories. */
export function countsFromRatings(ratings: ReadonlyArray<readonly number[]>): number[][] {
  const categories = [...new Set(ratings.flat())].sort((a, b) => a - b);
  return ratings.map((row) => categories.map((c) => row.filter((v) => v === c).length));
}
