import type { TaskStats } from '@anchor/shared';
import { Card, ErrorMessage, Loading, ProgressBar, Stat } from '@/components/ui';
import { formatCount } from '@/lib/format';
import { useTaskStats } from './use-task-stats';

function ProgressFigures({ stats }: { stats: TaskStats }) {
  return (
    <>
      <p className="progress-summary">
        <strong>{formatCount(stats.completePairs)}</strong> of {formatCount(stats.pairs)} pairs complete
      </p>
      <ProgressBar label="Complete pairs" value={stats.completePairs} max={stats.pairs} />
      <div className="stats">
        <Stat label="Judgments" value={stats.judgments} testId="judgments-count" />
        <Stat label="Complete pairs" value={stats.completePairs} testId="complete-pairs-count" />
        <Stat label="Pairs" value={stats.pairs} testId="pairs-count" />
        <Stat label="Active leases" value={stats.activeLeases} testId="active-leases-count" />
      </div>
    </>
  );
}

/** Completion and the counters that `task:progress` carries, updated live as raters judge. */
export function LiveProgress({ taskId }: { taskId: string }) {
  const stats = useTaskStats(taskId);
  return (
    <Card title="Progress" className="live-progress">
      {stats.isPending && <Loading />}
      {stats.isError && <ErrorMessage error={stats.error} onRetry={() => void stats.refetch()} />}
      {stats.data && <ProgressFigures stats={stats.data} />}
    </Card>
  );
}
