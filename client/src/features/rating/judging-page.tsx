import { Alert, Button, ButtonLink, Card, EmptyState, Loading, PageHeader, TextBlock } from '@/components/ui';
import { formatTime } from '@/lib/format';
import { useSocketConnected } from '@/lib/socket-context';
import { doneMessages } from './done-reasons';
import { JudgmentForm } from './judgment-form';
import { PromptView } from './prompt-view';
import { ResponsePanel } from './response-panel';
import { useRaterTasks } from './use-rater-tasks';
import { useRatingSession } from './use-rating-session';

/** The rating screen for one task: prompt, the two responses side by side, and the scale. */
export function JudgingPage({ taskId }: { taskId: string }) {
  const session = useRatingSession(taskId);
  const connected = useSocketConnected();
  const taskName = useRaterTasks().data?.find((task) => task.id === taskId)?.name;
  const { state } = session;

  return (
    <div className="judging">
      <PageHeader
        title={taskName ?? 'Rating'}
        description={
          state.status === 'rating' && (
            <>
              This pair is reserved for you until{' '}
              <time dateTime={state.assignment.expiresAt}>{formatTime(state.assignment.expiresAt)}</time>.
            </>
          )
        }
        actions={
          <ButtonLink to="/rate" variant="ghost">
            All tasks
          </ButtonLink>
        }
      />
      {!connected && state.status !== 'loading' && (
        <Alert tone="info">Reconnecting to the server… Your work is kept; you can go on once it is back.</Alert>
      )}
      {session.notice && <Alert tone="info">{session.notice}</Alert>}

      {state.status === 'loading' && <Loading label="Finding a pair for you…" />}

      {state.status === 'failed' && (
        <Alert title="Could not get a pair to rate">
          <p>{state.message}</p>
          <Button size="small" onClick={session.reload}>
            Try again
          </Button>
        </Alert>
      )}

      {state.status === 'done' && (
        <EmptyState title={doneMessages[state.reason].title}>
          <p>{doneMessages[state.reason].body}</p>
          <ButtonLink to="/rate" variant="primary">
            Back to your tasks
          </ButtonLink>
        </EmptyState>
      )}

      {state.status === 'rating' && (
        <>
          {state.assignment.instructions.trim() && (
            <details className="instructions">
              <summary>Instructions</summary>
              <TextBlock text={state.assignment.instructions} />
            </details>
          )}
          <Card title="Prompt" className="prompt">
            <PromptView prompt={state.assignment.prompt} />
          </Card>
          <div className="responses">
            <ResponsePanel side="Left" text={state.assignment.left.text} />
            <ResponsePanel side="Right" text={state.assignment.right.text} />
          </div>
          <JudgmentForm
            key={state.assignment.id}
            points={state.assignment.scale.points}
            pending={session.pending}
            actionError={session.actionError}
            onSubmit={(judgment) => void session.submit(judgment)}
            onSkip={() => void session.skip()}
          />
        </>
      )}
    </div>
  );
}
