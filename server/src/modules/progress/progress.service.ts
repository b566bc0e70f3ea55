import type { Quota, TaskProgress, TaskStats } from '@anchor/shared';
import { fromEntries, krippendorffAlpha } from '../../quality/krippendorff.js';
import type { ProgressRepository } from './progress.repository.js';

/** The live pace covers this many minutes (the chart's width and the ETA's window). */
export const PACE_MINUTES = 10;
/** Adaptive targets move with every disagreement; their sum is a scan of the pairs, so it is reused this long. */
const ADAPTIVE_TARGET_TTL_MS = 10_000;

/** How long live broadcasts may reuse a task's pace and active raters (see paceOf). */
export const PACE_REFRESH_MS = 2_000;

type Pace = Omit<Awaited<ReturnType<ProgressRepository['pace']>>, 'judgmentsTotal'>;

export class ProgressService {
  private readonly adaptiveTargets = new Map<string, { at: number; value: number }>();
  private readonly paces = new Map<string, { at: number; minute: number; judgments: number; value: Pace }>();

  constructor(private readonly progress: ProgressRepository) {}

  /**
   * The counters, the target, the pace of the last minutes, the raters at work now and the time left at that pace.
   * `paceMaxAgeMs` lets a live broadcast reuse a recent pace (see paceOf); by default everything is read now.
   */
  async progressOf(taskId: string, paceMaxAgeMs = 0): Promise<TaskProgress> {
    const [counts, settings] = await Promise.all([this.progress.counts(taskId), this.progress.redundancy(taskId)]);
    const pace = await this.paceOf(taskId, counts.judgments, paceMaxAgeMs);
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

  /**
   * The pace reads up to ten minutes of judgments (and the active raters two), and a busy task broadcasts progress
   * four times a second: at 500 judgments/s that would be 300,000 rows read per broadcast. So a broadcast may reuse a
   * pace younger than `maxAgeMs` from the same minute, with the judgments counted since (by the counters) added to
   * the current minute, so the series keeps up with what was judged; the active raters may lag by that long, and
   * the notifier's last broadcast after a burst reads everything afresh.
   */
  private async paceOf(taskId: string, judgments: number, maxAgeMs: number): Promise<Pace> {
    const now = Date.now();
    const minute = Math.floor(now / 60_000);
    const cached = this.paces.get(taskId);
    if (cached && cached.minute === minute && now - cached.at < maxAgeMs) {
      const perMinute = [...cached.value.perMinute];
      perMinute[perMinute.length - 1]! += Math.max(0, judgments - cached.judgments);
      return { perMinute, activeRaters: cached.value.activeRaters };
    }
    const { judgmentsTotal, ...value } = await this.progress.pace(taskId, PACE_MINUTES);
    // The counters may have moved on since `judgments` was read: the series already holds those judgments, so what
    // it counted (not `judgments`) is where later additions start.
    this.paces.set(taskId, { at: now, minute, judgments: judgmentsTotal, value });
    return value;
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
