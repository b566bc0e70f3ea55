import type { TaskProgress, TaskStats } from '@anchor/shared';
import { fromEntries, krippendorffAlpha } from '../../quality/krippendorff.js';
import type { ProgressRepository } from './progress.repository.js';

export class ProgressService {
  constructor(private readonly progress: ProgressRepository) {}

  async progressOf(taskId: string): Promise<TaskProgress> {
    return { taskId, ...(await this.progress.counts(taskId)) };
  }

  async stats(taskId: string): Promise<TaskStats> {
    const [counts, summary, skips, preferences, ordinal, nominal] = await Promise.all([
      this.progress.counts(taskId),
      this.progress.judgmentSummary(taskId),
      this.progress.skips(taskId),
      this.progress.preferenceCounts(taskId),
      this.progress.coincidences(taskId, false),
      this.progress.coincidences(taskId, true),
    ]);
    return {
      ...counts,
      raters: summary.raters,
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
