import {
  nextAssignmentRequest,
  skipAssignmentRequest,
  submitJudgmentRequest,
  type Failure,
  type NextAssignment,
} from '@anchor/shared';
import type { z } from 'zod';
import type { Logger } from 'pino';
import { toAppError } from '../errors.js';
import { parseOrThrow } from '../lib/validation.js';
import type { AssignmentService } from '../modules/assignments/assignment.service.js';
import type { AnchorServer, AnchorSocket } from './io.js';

/**
 * Wraps an event: validates the payload with the shared schema, runs the service, and always answers through the
 * acknowledgement — `{ok: false, error}` in the contract's shape on any failure, never a stack trace.
 */
function event<S extends z.ZodType, R>(
  logger: Logger,
  schema: S,
  run: (input: z.output<S>) => Promise<R>,
): (payload: unknown, ack: unknown) => void {
  return (payload, ack) => {
    if (typeof ack !== 'function') return; // the contract requires an acknowledgement; without one nobody listens
    const reply = ack as (result: R | Failure) => void;
    void (async () => {
      try {
        reply(await run(parseOrThrow(schema, payload ?? {}, 'The event payload')));
      } catch (err) {
        const appError = toAppError(err);
        if (appError.status >= 500) logger.error({ err }, 'socket event failed');
        reply({ ok: false, error: appError.toBody() });
      }
    })();
  };
}

export function registerRatingHandlers(io: AnchorServer, assignments: AssignmentService, logger: Logger): void {
  io.on('connection', (socket: AnchorSocket) => {
    const user = socket.data.user;
    /**
     * Submit-and-next (extension): the acknowledgement of a submit or skip also carries the next assignment, so the
     * rater's screen changes after one round trip. The judgment is already committed here; if finding the next one
     * fails, the ack says only `ok` and the client asks with `assignment:next`.
     */
    const nextAfter = async (
      wanted: true | { taskId?: string | undefined } | undefined,
      taskId: string,
    ): Promise<{ next?: NextAssignment }> => {
      if (wanted === undefined) return {};
      try {
        const next = await assignments.next(user, wanted === true ? taskId || undefined : wanted.taskId);
        return 'ok' in next ? {} : { next };
      } catch (err) {
        if (toAppError(err).status >= 500) logger.error({ err }, 'next assignment after a submit failed');
        return {};
      }
    };
    socket.on(
      'assignment:next',
      event(logger, nextAssignmentRequest, (input) => assignments.next(user, input.taskId)),
    );
    socket.on(
      'judgment:submit',
      event(logger, submitJudgmentRequest, async (input) => {
        const { judgmentId, taskId } = await assignments.submit(user, input);
        return { ok: true as const, judgmentId, ...(await nextAfter(input.next, taskId)) };
      }),
    );
    socket.on(
      'assignment:skip',
      event(logger, skipAssignmentRequest, async (input) => {
        const taskId = await assignments.skip(user, input);
        return { ok: true as const, ...(await nextAfter(input.next, taskId)) };
      }),
    );
  });
}
