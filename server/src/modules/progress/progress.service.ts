import type { Quota, TaskProgress, TaskStats } from '@anchor/shared';
import { fromEntries, krippendorffAlpha } from '../../quality/krippendorff.js';
import type { ProgressRepository } from './progress.repository.js';

export class ProgressService {
  constructor(private readonly progress: ProgressRepository) {}

  async progressOf(taskId: string): Promise<TaskProgress> {
    return { taskId, ...(await this.progress.counts(taskId)) };
  }

  async stats(task: { id: string; quota: unknown; max_judgments: number | null }): Promise<TaskStats> {
    const taskId = task.id;
    const quota = task.quota as Quota | null;
    const [
      counts,
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
      this.progress.counts(taskId),
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
