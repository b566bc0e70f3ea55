import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { Task, TaskProgress } from '@anchor/shared';
import { Badge, EmptyState, ErrorMessage, Loading, PageHeader } from '@/components/ui';
import { ProgressCounters } from '@/components/ui/live-counters';
import { apiJson } from '@/lib/api';
import { useSocketConnect, useSocketEvent } from '@/lib/socket-context';

const overviewKey = ['overview'] as const;

interface Overview {
  tasks: Task[];
  progress: Record<string, TaskProgress>;
}

async function fetchOverview(): Promise<Overview> {
  const [tasks, progress] = await Promise.all([
    apiJson<{ tasks: Task[] }>('/api/tasks'),
    apiJson<{ progress: TaskProgress[] }>('/api/progress'),
  ]);
  return { tasks: tasks.tasks, progress: Object.fromEntries(progress.progress.map((p) => [p.taskId, p])) };
}

const tones = { draft: 'neutral', active: 'positive', paused: 'warning', archived: 'muted' } as const;

/**
 * Every task at a glance with the live counters of its page: seeded once, then moved by `task:progress` and
 * `task:updated` as they arrive (no polling). Archived tasks are left out.
 */
export function OverviewPage() {
  const queryClient = useQueryClient();
  const overview = useQuery({ queryKey: overviewKey, queryFn: fetchOverview });

  useSocketEvent('task:progress', (progress) => {
    const known = queryClient.getQueryData<Overview>(overviewKey);
    if (!known?.tasks.some((t) => t.id === progress.taskId)) {
      void queryClient.invalidateQueries({ queryKey: overviewKey });
      return;
    }
    queryClient.setQueryData<Overview>(
      overviewKey,
      (o) => o && { ...o, progress: { ...o.progress, [progress.taskId]: progress } },
    );
  });
  useSocketEvent('task:updated', ({ task }) => {
    queryClient.setQueryData<Overview>(
      overviewKey,
      (o) =>
        o && {
          ...o,
          tasks: o.tasks.some((t) => t.id === task.id)
            ? o.tasks.map((t) => (t.id === task.id ? task : t))
            : [task, ...o.tasks],
        },
    );
  });
  useSocketConnect(() => {
    if (queryClient.getQueryData(overviewKey)) void queryClient.invalidateQueries({ queryKey: overviewKey });
  });

  const live = overview.data?.tasks.filter((t) => t.status !== 'archived') ?? [];
  return (
    <>
      <PageHeader title="Overview" description="Every task's progress, pace and raters at work, live." />
      {overview.isPending && <Loading />}
      {overview.isError && <ErrorMessage error={overview.error} onRetry={() => void overview.refetch()} />}
      {overview.data && live.length === 0 && (
        <EmptyState title="No tasks under way">
          <p>
            <Link to="/admin/tasks/new">Create a task</Link> to start.
          </p>
        </EmptyState>
      )}
      <div className="overview-grid">
        {live.map((task) => {
          const progress = overview.data?.progress[task.id];
          return (
            <section key={task.id} className="card overview-card" aria-labelledby={`overview-${task.id}`}>
              <div className="card__header">
                <h2 id={`overview-${task.id}`} className="card__title">
                  <Link to={`/admin/tasks/${task.id}`}>{task.name}</Link>
                </h2>
                <Badge tone={tones[task.status]}>{task.status[0]!.toUpperCase() + task.status.slice(1)}</Badge>
              </div>
              {progress ? <ProgressCounters progress={progress} compact /> : <Loading />}
            </section>
          );
        })}
      </div>
    </>
  );
}
