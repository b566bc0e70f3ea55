import type { Quota, TaskProgress, TaskStats } from '@anchor/shared';
import { fromEntries, krippendorffAlpha } from '../../quality/krippendorff.js';
import type { ProgressRepository } from './progress.repository.js';

/** The live pace covers this many minutes (the chart's width and the ETA's window). */
export const PACE_MINUTES = 10;
/** Adaptive targets move with every disagreement; their sum is a scan of the pairs, so it is reused this long. */
const ADAPTIVE_TARGET_TTL_MS = 10_000;

export class ProgressService {
  private readonly adaptiveTargets = new Map<string, { at: number; value: number }>();

  constructor(private readonly progress: ProgressRepository) {}

  /** The counters, the target, the pace of the last minutes, the raters at work now and the time left at that pace. */
  async progressOf(taskId: string): Promise<TaskProgress> {
    const [counts, pace, settings] = await Promise.all([
      this.progress.counts(taskId),
      this.progress.pace(taskId, PACE_MINUTES),
      this.progress.redundancy(taskId),
    ]);
    const targetJudgments = Math.max(
      counts.judgments,
      settings && settings.min_judgments !== null
        ? await this.adaptiveTarget(taskId)
        : counts.pairs * (settings?.judgments_per_pair ?? 0),
    );
    const recent = pace.perMinute.reduce((a, b) => a + b, 0);
    // The current minute is partly over: the pace is judgments over the time actually covered.
    const elapsedMinutes = PACE_MINUTES - 1 + (Date.now() % 60_000) / 60_000;
    const perSecond = recent / (elapsedMinutes * 60);
    const remaining = Math.max(0, targetJudgments - counts.judgments);
    return {
      taskId,
      ...counts,
      targetJudgments,
      judgmentsPerMinute: pace.perMinute,
      activeRaters: pace.activeRaters,
      etaSeconds: remaining === 0 ? 0 : perSecond > 0 ? Math.round(remaining / perSecond) : null,
    };
  }

  private async adaptiveTarget(taskId: string): Promise<number> {
    const cached = this.adaptiveTargets.get(taskId);
    if (cached && Date.now() - cached.at < ADAPTIVE_TARGET_TTL_MS) return cached.value;
    const value = await this.progress.targetJudgments(taskId);
    this.adaptiveTargets.set(taskId, { at: Date.now(), value });
    return value;
  }

  async stats(task: { id: string; quota: unknown; max_judgments: number | null }): Promise<TaskStats> {
    const taskId = task.id;
    const quota = task.quota as Quota | null;
    const [
      progress,
      summary,
      skips,
      preferences,
      ordinal,
      nominal,
      goldJudgments,
      pausedRaters,
      quotaCoverage,
      adaptive,
    ] = await Promise.all([
      this.progressOf(taskId),
      this.progress.judgmentSummary(taskId),
      this.progress.skips(taskId),
      this.progress.preferenceCounts(taskId),
      this.progress.coincidences(taskId, false),
      this.progress.coincidences(taskId, true),
      this.progress.goldJudgments(taskId),
      this.progress.pausedRaters(taskId),
      quota ? this.progress.quotaCoverage(taskId, quota.groups) : null,
      task.max_judgments !== null ? this.progress.adaptiveSavings(taskId, task.max_judgments) : null,
    ]);
    const { taskId: _taskId, ...counts } = progress;
    return {
      ...counts,
      raters: summary.raters,
      goldJudgments,
      pausedRaters,
      quotaCoverage,
      adaptive,
      skips,
      agreement: {
        alphaOrdinal: krippendorffAlpha(fromEntries(ordinal), 'ordinal'),
        alphaNominal: krippendorffAlpha(fromEntries(nominal), 'nominal'),
      },
      positionBias: { leftShare: summary.nonTie > 0 ? summary.left / summary.nonTie : null },
      preferenceCounts: Object.fromEntries(preferences.map((p) => [String(p.preference), p.n])),
    };
  }
}
