import type {
  CreateTaskBody,
  ErrorDetail,
  ImportResult,
  PatchTaskBody,
  Task,
  TaskPreviewResponse,
  TaskProgress,
  TaskStats,
} from '@anchor/shared';
import { ApiError, apiJson } from '@/lib/api';

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

export const progressKeys = {
  all: () => ['progress', 'all'] as const,
};

/** Every task's live counters, for the overview (then patched by `task:progress`). */
export async function fetchAllProgress(): Promise<TaskProgress[]> {
  return (await apiJson<{ progress: TaskProgress[] }>('/api/progress')).progress;
}

/** The judging screen's view of the task's n-th pair; nothing is leased or recorded. */
export function fetchTaskPreview(id: string, n: number): Promise<TaskPreviewResponse> {
  return apiJson<TaskPreviewResponse>(`/api/tasks/${encodeURIComponent(id)}/preview?n=${n}`);
}

/**
 * The import through XMLHttpRequest, whose upload reports progress (fetch cannot, for a request body). The file is
 * sent as it is: the browser streams it from disk, and the server parses it line by line.
 */
export function importPairsWithProgress(
  taskId: string,
  file: File,
  contentType: string,
  onProgress: (sent: number, total: number) => void,
  signal?: AbortSignal,
): Promise<ImportResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/tasks/${encodeURIComponent(taskId)}/pairs`);
    xhr.setRequestHeader('content-type', contentType);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.withCredentials = true;
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300 && body) return resolve(body as ImportResult);
      const error = (body as { error?: { code: ApiError['code']; message: string; details?: ErrorDetail[] } })?.error;
      reject(
        error
          ? new ApiError(xhr.status, error.code, error.message, error.details ?? [])
          : new ApiError(xhr.status, 'invalid_response', `The server answered ${xhr.status}. Try again in a moment.`),
      );
    };
    xhr.onerror = () =>
      reject(new ApiError(0, 'network_error', 'Could not reach the server. Check your connection and try again.'));
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.onabort = () => reject(new DOMException('The import was cancelled.', 'AbortError'));
    xhr.send(file);
  });
}
