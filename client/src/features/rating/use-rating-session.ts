import { useCallback, useEffect, useRef, useState } from 'react';
import type { Assignment, DoneReason, ErrorCode, SkipAssignmentResult, SubmitJudgmentResult } from '@anchor/shared';
import { errorMessage } from '@/lib/api';
import { emitWithAck, isFailure } from '@/lib/socket';
import { useSocket, useSocketConnect, useSocketEvent } from '@/lib/socket-context';

export type SessionState =
  | { status: 'loading' }
  | { status: 'rating'; assignment: Assignment }
  | { status: 'done'; reason: DoneReason }
  | { status: 'failed'; message: string };

export interface JudgmentInput {
  /** Idempotency key: made once per assignment, so a retried submit cannot record twice. */
  key: string;
  choice: number;
  rationale?: string;
  timeMs: number;
}

export interface RatingSession {
  state: SessionState;
  /** Something the rater should know about what just happened (an expired lease, say); not an error. */
  notice: string | null;
  /** The action in flight, so the form can disable itself and say what it is doing. */
  pending: 'submit' | 'skip' | null;
  /** Why the last submit or skip failed; the form stays as it was so the rater can retry. */
  actionError: string | null;
  submit: (judgment: JudgmentInput) => Promise<void>;
  skip: () => Promise<void>;
  reload: () => void;
}

/** Refusals that mean "this assignment is gone": move on to the next one rather than asking the rater to retry. */
const assignmentGone: Partial<Record<ErrorCode, string>> = {
  lease_expired: 'Your time for the last pair ran out, so it went back to the pool. Here is another one.',
  already_judged: 'The last pair was already recorded. Here is another one.',
  not_found: 'The last pair is no longer available. Here is another one.',
};

/**
 * The rating loop for one task over socket.io: lease an assignment, submit or skip it, lease the next. The server
 * keeps the lease, so asking again after a reload or reconnect resumes the same assignment.
 */
export function useRatingSession(taskId: string): RatingSession {
  const socket = useSocket();
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, setPending] = useState<RatingSession['pending']>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  // Only the newest request may set the state: an expiry notice can race a submit's own request for the next pair.
  const latestRequest = useRef(0);

  const loadNext = useCallback(async () => {
    const request = ++latestRequest.current;
    let next: SessionState;
    try {
      const result = await emitWithAck(socket, 'assignment:next', { taskId });
      if ('assignment' in result) next = { status: 'rating', assignment: result.assignment };
      else if ('done' in result) next = { status: 'done', reason: result.reason };
      else next = { status: 'failed', message: result.error.message };
    } catch (error) {
      next = { status: 'failed', message: errorMessage(error) };
    }
    if (request === latestRequest.current) {
      setState(next);
      setActionError(null);
    }
  }, [socket, taskId]);

  // The page is keyed by task, so this runs once per task opened.
  useEffect(() => {
    void loadNext();
  }, [loadNext]);

  const current = state.status === 'rating' ? state.assignment : null;

  const moveOn = useCallback(
    async (message: string | null) => {
      setNotice(message);
      await loadNext();
    },
    [loadNext],
  );

  /** Sends a submit or skip for the current assignment and moves on, or keeps the form so the rater can retry. */
  const finishAssignment = useCallback(
    async (
      kind: 'submit' | 'skip',
      send: (assignment: Assignment) => Promise<SubmitJudgmentResult | SkipAssignmentResult>,
      retryHint: string,
    ) => {
      if (!current) return;
      setPending(kind);
      setActionError(null);
      try {
        const result = await send(current);
        if (!isFailure(result)) {
          await moveOn(null);
        } else {
          const gone = assignmentGone[result.error.code];
          if (gone) await moveOn(gone);
          else setActionError(result.error.message);
        }
      } catch (error) {
        setActionError(`${errorMessage(error)} ${retryHint}`);
      } finally {
        setPending(null);
      }
    },
    [current, moveOn],
  );

  const submit = useCallback(
    (judgment: JudgmentInput) =>
      finishAssignment(
        'submit',
        (assignment) =>
          emitWithAck(socket, 'judgment:submit', {
            assignmentId: assignment.id,
            key: judgment.key,
            choice: judgment.choice,
            timeMs: judgment.timeMs,
            ...(judgment.rationale ? { rationale: judgment.rationale } : {}),
          }),
        'Your choice is kept: press Submit to send it again.',
      ),
    [finishAssignment, socket],
  );

  const skip = useCallback(
    () =>
      finishAssignment(
        'skip',
        (assignment) => emitWithAck(socket, 'assignment:skip', { assignmentId: assignment.id }),
        'Press Skip to try again.',
      ),
    [finishAssignment, socket],
  );

  useSocketEvent('assignment:expired', ({ assignmentId }) => {
    if (assignmentId === current?.id) {
      void moveOn('Your time for this pair ran out, so it went back to the pool. Here is another one.');
    }
  });

  useSocketEvent('task:updated', ({ task }) => {
    if (task.id !== taskId) return;
    // Paused or archived under the rater: show why. Reopened while they wait: offer work again.
    const closedWhileRating = task.status !== 'active' && state.status === 'rating';
    const reopenedWhileWaiting = task.status === 'active' && state.status === 'done';
    if (closedWhileRating || reopenedWhileWaiting) void moveOn(null);
  });

  // A request that failed while offline is retried as soon as the connection is back.
  useSocketConnect(() => {
    if (state.status === 'failed') void loadNext();
  });

  const reload = useCallback(() => {
    setState({ status: 'loading' });
    void loadNext();
  }, [loadNext]);

  return { state, notice, pending, actionError, submit, skip, reload };
}
