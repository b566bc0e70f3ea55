import { errorStatus, type ErrorCode, type ErrorDetail, type ErrorBody } from '@anchor/shared';

/** The one error type. Services throw it; the HTTP error handler and socket acks turn it into the contract's shape. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    /** Extra response headers, such as Retry-After on rate_limited. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = errorStatus[code];
  }

  toBody(): ErrorBody {
    return this.details?.length
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
}

export const errors = {
  validation: (message: string, details?: ErrorDetail[]) => new AppError('validation_failed', message, details),
  unauthorized: (message = 'Sign in first: this needs a session cookie or an API token.') =>
    new AppError('unauthorized', message),
  forbidden: (message = 'Your role does not allow this.') => new AppError('forbidden', message),
  notFound: (what: string) => new AppError('not_found', `${what} was not found.`),
  conflict: (message: string) => new AppError('conflict', message),
  unavailable: (message = 'The database is not reachable right now; try again in a few seconds.') =>
    new AppError('unavailable', message),
};

/** Anything that is not an AppError becomes a bare 500: no message or stack from inside reaches a client. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (isConnectionError(err)) return errors.unavailable();
  return new AppError('internal', 'Something went wrong on the server. It has been logged; try again.');
}

function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  // node-postgres's own errors for a connection that died or never came: they carry no code.
  if (code === undefined && err instanceof Error)
    return /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/.test(
      err.message,
    );
  if (typeof code !== 'string') return false;
  // 57P01/57P02 the server is shutting down; 57P03 starting up; 53300 too many connections; 08xxx connection failures.
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03', '53300'].includes(code))
    return true;
  if (code.startsWith('08')) return true;
  // 55000 is a broad class; with this message it is a database closed to connections (ALTER DATABASE … ALLOW_CONNECTIONS).
  return code === '55000' && /not currently accepting connections/.test(String((err as Error).message));
}
