import type { MyStats, RaterTask } from '@anchor/shared';
import { apiJson } from '@/lib/api';

export const raterTasksQueryKey = ['me', 'tasks'] as const;
export const myStatsQueryKey = ['me', 'stats'] as const;

export async function fetchRaterTasks(): Promise<RaterTask[]> {
  return (await apiJson<{ tasks: RaterTask[] }>('/api/me/tasks')).tasks;
}

export async function fetchMyStats(): Promise<MyStats> {
  return (await apiJson<{ stats: MyStats }>('/api/me/stats')).stats;
}
