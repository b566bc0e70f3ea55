import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { TaskStats } from '@anchor/shared';
import { useSocketConnect, useSocketEvent } from '@/lib/socket-context';
import { fetchTaskStats, taskKeys } from './tasks-api';

/**
 * A task's statistics, seeded from the stats route and kept live by `task:progress` (admins receive it for every
 * task), so the counters move as raters work without polling or reloading.
 */
export function useTaskStats(taskId: string) {
  const queryClient = useQueryClient();
  const queryKey = taskKeys.stats(taskId);
  const stats = useQuery({ queryKey, queryFn: () => fetchTaskStats(taskId) });

  useSocketEvent('task:progress', ({ taskId: progressTaskId, ...counts }) => {
    if (progressTaskId !== taskId) return;
    if (queryClient.getQueryData(queryKey)) {
      queryClient.setQueryData(queryKey, (seeded: TaskStats | undefined) => seeded && { ...seeded, ...counts });
    } else {
      // The event beat the first load; fetch again so the counts cannot go backwards when that load lands.
      void queryClient.invalidateQueries({ queryKey });
    }
  });

  // Progress sent while the socket was down is lost; catch up from the route after a reconnect.
  useSocketConnect(() => {
    if (queryClient.getQueryData(queryKey)) void queryClient.invalidateQueries({ queryKey });
  });

  return stats;
}
