import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type {
  Assignment,
  DoneReason,
  ErrorCode,
  NextAssignment,
  SubmitJudgmentRequest,
  SubmitJudgmentResult,
} from '@anchor/shared';
import { useTranslation } from '@/i18n';
import { errorMessage } from '@/lib/api';
import { knownEntries, loadEntries, putEntry, removeEntry, subscribe, type OutboxEntry } from '@/lib/outbox';
import { emitWithAck, isFailure } from '@/lib/socket';
import { useSocket, useSocketConnect, useSocketEvent } from '@/lib/socket-context';

export type SessionState =
  | { status: 'loading' }
  | { status: 'rating'; assignment: Assignment }
  /** The last judgment is saved on this device and waits for the connection; the next pair comes after it. */
  | { status: 'waiting' }
  | { status: 'done'; reason: DoneReason }
  | { status: 'failed'; message: string };

/** What the form hands over; the session adds the assignment and sends it. */
export type JudgmentInput = Omit<SubmitJudgmentRequest, 'assignmentId' | 'next'>;

export interface RatingSession {
  state: SessionState;
  /** Something the rater should know about what just happened (an expired lease, say); not an error. */
  notice: string | null;
  /** The action in flight, so the form can disable itself and say what it is doing. */
  pending: 'submit' | 'skip' | null;
  /** Why the last submit or skip failed; the form stays as it was so the rater can fix it or retry. */
  actionError: string | null;
  /** Submissions kept on this device until the server acknowledges them. */
  outbox: OutboxEntry[];
  /** Judgments acknowledged since this page opened (for the progress figures). */
  judgedHere: number;
  submit: (judgment: JudgmentInput) => Promise<void>;
  skip: (reason: string) => Promise<void>;
  reload: () => void;
}

type Payload = SubmitJudgmentRequest;

function useOutbox(): OutboxEntry[] {
  return useSyncExternalStore(subscribe, knownEntries);
}

/**
 * The rating loop for one task over socket.io. A submission goes to the outbox (IndexedDB) and to the server at once,
 * asking for the next assignment in the same acknowledgement (one round trip from Enter to the next pair); it leaves
 * the outbox only when acknowledged. Offline, the page waits; on reconnect (or the next page load) the outbox is
 * sent again with the same idempotency keys, so nothing is lost and nothing is recorded twice.
 */
export function useRatingSession(taskId: string): RatingSession {
  const { t } = useTranslation();
  const socket = useSocket();
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, setPending] = useState<RatingSession['pending']>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [judgedHere, setJudgedHere] = useState(0);
  const outbox = useOutbox();
  // Only the newest request may set the state: an expiry notice can race a submit's own next pair.
  const latestRequest = useRef(0);
  const inFlight = useRef(new Set<string>());
  const flushing = useRef<Promise<void> | null>(null);

  const show = useCallback((next: NextAssignment) => {
    setState(
      'assignment' in next
        ? { status: 'rating', assignment: next.assignment }
        : { status: 'done', reason: next.reason },
    );
    setActionError(null);
  }, []);

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

  const goneNotice = useCallback(
    (code: ErrorCode): string | null =>
      code === 'lease_expired'
        ? t('judging.notices.lastLeaseExpired')
        : code === 'already_judged'
          ? t('judging.notices.alreadyJudged')
          : code === 'not_found'
            ? t('judging.notices.gone')
            : null,
    [t],
  );

  /** What an acknowledgement means for the outbox; 'retry' keeps the entry for the next attempt. */
  const settle = useCallback(
    (entry: OutboxEntry<Payload>, result: SubmitJudgmentResult): 'ok' | 'refused' | 'retry' => {
      if (!isFailure(result)) {
        void removeEntry(entry.key);
        setJudgedHere((n) => n + 1);
        return 'ok';
      }
      if (result.error.code === 'internal' || result.error.code === 'unavailable') return 'retry';
      void removeEntry(entry.key); // refused for good: sending it again cannot change the answer
      return 'refused';
    },
    [],
  );

  /** Sends every kept submission (this page's and earlier pages'), oldest first; stops at the first one that cannot reach the server. */
  const flush = useCallback((): Promise<void> => {
    flushing.current ??= (async () => {
      try {
        for (const entry of (await loadEntries()) as Array<OutboxEntry<Payload>>) {
          if (inFlight.current.has(entry.key)) continue;
          inFlight.current.add(entry.key);
          try {
            const result = await emitWithAck(socket, 'judgment:submit', entry.payload);
            if (settle(entry, result) === 'refused' && isFailure(result)) {
              setNotice(goneNotice(result.error.code) ? t('judging.notices.lateJudgment') : result.error.message);
            }
          } catch {
            return; // offline again: the next connection retries
          } finally {
            inFlight.current.delete(entry.key);
          }
        }
      } finally {
        flushing.current = null;
      }
    })();
    return flushing.current;
  }, [goneNotice, settle, socket, t]);

  // The page is keyed by task, so this runs once per task opened: first what an earlier page left, then a pair.
  useEffect(() => {
    void flush().then(loadNext);
  }, [flush, loadNext]);

  const current = state.status === 'rating' ? state.assignment : null;

  const moveOn = useCallback(
    async (message: string | null) => {
      setNotice(message);
      await loadNext();
    },
    [loadNext],
  );

  const submit = useCallback(
    async (judgment: JudgmentInput) => {
      if (!current || pending) return;
      const payload: Payload = { ...judgment, assignmentId: current.id };
      const entry: OutboxEntry<Payload> = {
        key: judgment.key,
        taskId,
        assignmentId: current.id,
        payload,
        createdAt: Date.now(),
      };
      void putEntry(entry); // written while the request travels; it leaves only once acknowledged
      setNotice(null);
      setActionError(null);
      if (!socket.connected) {
        setState({ status: 'waiting' });
        return;
      }
      setPending('submit');
      inFlight.current.add(entry.key);
      try {
        const result = await emitWithAck(socket, 'judgment:submit', { ...payload, next: true });
        const outcome = settle(entry, result);
        if (outcome === 'ok' && !isFailure(result)) {
          latestRequest.current++;
          if (result.next) show(result.next);
          else await loadNext();
        } else if (outcome === 'retry' && isFailure(result)) {
          setActionError(`${result.error.message} ${t('form.retrySubmit')}`);
        } else if (isFailure(result)) {
          const gone = goneNotice(result.error.code);
          if (gone) await moveOn(gone);
          else setActionError(result.error.message);
        }
      } catch {
        // No answer: the submission stays in the outbox and goes again when the connection is back.
        setState({ status: 'waiting' });
      } finally {
        inFlight.current.delete(entry.key);
        setPending(null);
      }
    },
    [current, goneNotice, loadNext, moveOn, pending, settle, show, socket, t, taskId],
  );

  const skip = useCallback(
    async (reason: string) => {
      if (!current || pending) return;
      setPending('skip');
      setActionError(null);
      setNotice(null);
      try {
        const result = await emitWithAck(socket, 'assignment:skip', { assignmentId: current.id, reason, next: true });
        if (!isFailure(result)) {
          latestRequest.current++;
          if (result.next) show(result.next);
          else await loadNext();
        } else {
          const gone = goneNotice(result.error.code);
          if (gone) await moveOn(gone);
          else setActionError(result.error.message);
        }
      } catch (error) {
        setActionError(`${errorMessage(error)} ${t('form.retrySkip')}`);
      } finally {
        setPending(null);
      }
    },
    [current, goneNotice, loadNext, moveOn, pending, show, socket, t],
  );

  useSocketEvent('assignment:expired', ({ assignmentId }) => {
    if (assignmentId === current?.id && pending === null) void moveOn(t('judging.notices.leaseExpired'));
  });

  useSocketEvent('task:updated', ({ task }) => {
    if (task.id !== taskId) return;
    // Paused or archived under the rater: say so. Reopened while they wait: offer work again.
    if (task.status !== 'active' && state.status === 'rating') void moveOn(t('judging.notices.taskPaused'));
    else if (task.status === 'active' && state.status === 'done') void moveOn(null);
  });

  // Back online: send what was kept, then carry on where the rater was.
  useSocketConnect(() => {
    void flush().then(() => {
      if (state.status === 'waiting' || state.status === 'failed') return loadNext();
    });
  });

  const reload = useCallback(() => {
    setState({ status: 'loading' });
    void flush().then(loadNext);
  }, [flush, loadNext]);

  return { state, notice, pending, actionError, outbox, judgedHere, submit, skip, reload };
}
