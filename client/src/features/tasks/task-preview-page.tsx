import { useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import type { Assignment } from '@anchor/shared';
import { Alert, Button, ButtonLink, EmptyState, ErrorMessage, Loading, PageHeader } from '@/components/ui';
import { fetchTaskPreview } from './tasks-api';
import { useTask } from './use-tasks';

/** Draws the judging screen for an assignment; composed in by the route (the rating feature owns that screen). */
export type RenderJudgingScreen = (assignment: Assignment, onAction: (what: string) => void) => ReactNode;

/**
 * "Preview as rater": the judging screen with the task's real pairs, one at a time, as a rater would see them. The
 * server takes no lease and nothing submitted here is sent: the buttons only say what would have happened.
 */
export function TaskPreviewPage({
  taskId,
  renderJudgingScreen,
}: {
  taskId: string;
  renderJudgingScreen: RenderJudgingScreen;
}) {
  const task = useTask(taskId);
  const [n, setN] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const preview = useQuery({
    queryKey: ['tasks', 'detail', taskId, 'preview', n],
    queryFn: () => fetchTaskPreview(taskId, n),
  });
  const next = () => {
    setNotice(null);
    setN((i) => i + 1);
  };
  return (
    <div className="task-preview">
      <PageHeader
        title={`Preview: ${task.data?.name ?? 'task'}`}
        description="What raters see. Nothing here is recorded, and no pair is held from raters."
        actions={
          <ButtonLink to={`/admin/tasks/${taskId}`} variant="ghost">
            Back to the task
          </ButtonLink>
        }
      />
      <Alert tone="info" title="Preview mode">
        <p>
          Pair {n + 1}
          {preview.data?.pair ? ` (${preview.data.pair.externalId})` : ''}. Choices and skips here are not saved.
        </p>
        <div className="form__actions">
          <Button size="small" onClick={() => setN((i) => Math.max(0, i - 1))} disabled={n === 0}>
            Previous pair
          </Button>
          <Button size="small" onClick={next} disabled={preview.data?.assignment === null}>
            Next pair
          </Button>
        </div>
      </Alert>
      {notice && <Alert tone="success">{notice}</Alert>}
      {preview.isPending && <Loading />}
      {preview.isError && <ErrorMessage error={preview.error} onRetry={() => void preview.refetch()} />}
      {preview.data?.assignment === null && (
        <EmptyState title={n === 0 ? 'No pairs yet' : 'No more pairs'}>
          <p>{n === 0 ? 'Import pairs to preview them.' : 'That was the last pair of this task.'}</p>
        </EmptyState>
      )}
      {preview.data?.assignment && (
        <div key={preview.data.assignment.id}>
          {renderJudgingScreen(preview.data.assignment, (what) =>
            setNotice(`Preview: ${what} was not recorded. Use “Next pair” to see another.`),
          )}
        </div>
      )}
    </div>
  );
}
