import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ImportResult, PatchTaskBody, Task } from '@anchor/shared';
import { useSocketEvent } from '@/lib/socket-context';
import { createTask, fetchTask, fetchTasks, importPairsWithProgress, taskKeys, updateTask } from './tasks-api';

/** Keeps cached copies of a task current, whoever changed it (another admin, this tab). */
function useStoreTask() {
  const queryClient = useQueryClient();
  return (task: Task) => {
    queryClient.setQueryData(taskKeys.detail(task.id), task);
    queryClient.setQueryData(taskKeys.list(), (tasks: Task[] | undefined) =>
      tasks?.some((t) => t.id === task.id) ? tasks.map((t) => (t.id === task.id ? task : t)) : tasks,
    );
  };
}

export function useTasks() {
  const queryClient = useQueryClient();
  const storeTask = useStoreTask();
  useSocketEvent('task:updated', ({ task }) => {
    const known = queryClient.getQueryData<Task[]>(taskKeys.list())?.some((t) => t.id === task.id);
    if (known) storeTask(task);
    else void queryClient.invalidateQueries({ queryKey: taskKeys.list() });
  });
  return useQuery({ queryKey: taskKeys.list(), queryFn: fetchTasks });
}

export function useTask(id: string) {
  const storeTask = useStoreTask();
  useSocketEvent('task:updated', ({ task }) => {
    if (task.id === id) storeTask(task);
  });
  return useQuery({ queryKey: taskKeys.detail(id), queryFn: () => fetchTask(id) });
}

export function useCreateTask() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createTask,
    onSuccess: (task) => {
      queryClient.setQueryData(taskKeys.detail(task.id), task);
      void queryClient.invalidateQueries({ queryKey: taskKeys.list() });
    },
  });
}

export function useUpdateTask(id: string) {
  const storeTask = useStoreTask();
  return useMutation({ mutationFn: (patch: PatchTaskBody) => updateTask(id, patch), onSuccess: storeTask });
}

/** The import, with the upload's progress (bytes sent of the file's size) while it runs. */
export function useImportPairs(taskId: string) {
  const queryClient = useQueryClient();
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const mutation = useMutation<ImportResult, Error, { file: File; contentType: string; signal?: AbortSignal }>({
    mutationFn: ({ file, contentType, signal }) => {
      setProgress({ sent: 0, total: file.size });
      return importPairsWithProgress(taskId, file, contentType, (sent, total) => setProgress({ sent, total }), signal);
    },
    onSettled: () => setProgress(null),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: taskKeys.stats(taskId) }),
  });
  return { ...mutation, progress };
}
