import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useSocketEvent } from '@/lib/socket-context';
import { fetchRaterTasks, raterTasksQueryKey } from './rating-api';

/** The active tasks this user may rate, refreshed when an admin opens, pauses or edits one. */
export function useRaterTasks() {
  const queryClient = useQueryClient();
  useSocketEvent('task:updated', () => void queryClient.invalidateQueries({ queryKey: raterTasksQueryKey }));
  return useQuery({ queryKey: raterTasksQueryKey, queryFn: fetchRaterTasks });
}
