import type { RaterTask } from '@anchor/shared';
import { apiJson } from '@/lib/api';

export const raterTasksQueryKey = ['me', 'tasks'] as const;

export async function fetchRaterTasks(): Promise<RaterTask[]> {
  return (await apiJson<{ tasks: RaterTask[] }>('/api/me/tasks')).tasks;
}
