import type { CreateTaskBody, ImportResult, PatchTaskBody, Task, TaskStats } from '@anchor/shared';
import { apiJson } from '@/lib/api';

export const taskKeys = {
  all: ['tasks'] as const,
  list: () => ['tasks', 'list'] as const,
  detail: (id: string) => ['tasks', 'detail', id] as const,
  stats: (id: string) => ['tasks', 'detail', id, 'stats'] as const,
};

export async function fetchTasks(): Promise<Task[]> {
  return (await apiJson<{ tasks: Task[] }>('/api/tasks')).tasks;
}

export async function fetchTask(id: string): Promise<Task> {
  return (await apiJson<{ task: Task }>(`/api/tasks/${encodeURIComponent(id)}`)).task;
}

export function fetchTaskStats(id: string): Promise<TaskStats> {
  return apiJson<TaskStats>(`/api/tasks/${encodeURIComponent(id)}/stats`);
}

export async function createTask(body: CreateTaskBody): Promise<Task> {
  return (await apiJson<{ task: Task }>('/api/tasks', { method: 'POST', json: body })).task;
}

export async function updateTask(id: string, patch: PatchTaskBody): Promise<Task> {
  return (await apiJson<{ task: Task }>(`/api/tasks/${encodeURIComponent(id)}`, { method: 'PATCH', json: patch })).task;
}

/** The import formats, by file extension, with the Content-Type the server reads each as. */
const importContentTypes: Record<string, string> = {
  jsonl: 'application/x-ndjson',
  ndjson: 'application/x-ndjson',
  csv: 'text/csv',
};
export const importFileAccept = '.jsonl,.ndjson,.csv';

export function importContentType(fileName: string): string | undefined {
  const extension = fileName.toLowerCase().split('.').pop() ?? '';
  return importContentTypes[extension];
}

/** Streams the file itself as the body: no reading into memory, so large imports work. */
export function importPairs(taskId: string, file: File, contentType: string): Promise<ImportResult> {
  return apiJson<ImportResult>(`/api/tasks/${encodeURIComponent(taskId)}/pairs`, {
    method: 'POST',
    body: file,
    contentType,
  });
}
