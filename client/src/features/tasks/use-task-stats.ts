import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef } from 'react';
import type { TaskStats } from '@anchor/shared';
import { useSocketConnect, useSocketEvent } from '@/lib/socket-context';
import { fetchTaskStats, taskKeys } from './tasks-api';

const STATS_REFRESH_MS = 10_000;

/**
 * A task's statistics, seeded from the stats route and kept live by `task:progress` (admins receive it for every
 * task), so the counters move as raters work without polling or reloading.
 */
export function useTaskStats(taskId: string) {
  const queryClient = useQueryClient();
  const queryKey = taskKeys.stats(taskId);
  const fetchedAt = useRef(0);
  const stats = useQuery({
    queryKey,
    queryFn: () => {
      fetchedAt.current = Date.now();
      return fetchTaskStats(taskId);
    },
  });

  useSocketEvent('task:progress', ({ taskId: progressTaskId, ...counts }) => {
    if (progressTaskId !== taskId) return;
    if (queryClient.getQueryData(queryKey)) {
      queryClient.setQueryData(queryKey, (seeded: TaskStats | undefined) => seeded && { ...seeded, ...counts });
      // Agreement, bias and coverage are not in the event: reload them while work goes on, at most every 10 s.
      if (Date.now() - fetchedAt.current > STATS_REFRESH_MS && queryClient.isFetching({ queryKey }) === 0)
        void queryClient.refetchQueries({ queryKey });
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
