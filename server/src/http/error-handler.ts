import type {} from 'pino-http'; // req.log
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, errors, toAppError } from '../errors.js';

/** express.json() and friends raise these; they become contract errors, never stack traces. */
function fromBodyParser(err: unknown): AppError | undefined {
  if (err instanceof AppError) return undefined;
  const type = (err as { type?: unknown } | null)?.type;
  if (type === 'entity.too.large')
    return new AppError('payload_too_large', 'The request body is too large: send at most 1 MB here.');
  if (type === 'entity.parse.failed') return errors.validation('The request body is not valid JSON.');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported')
    return errors.validation('Send the body as UTF-8.');
  // The router could not decode a path parameter (bad percent-encoding such as %E0%A4%A).
  if (err instanceof URIError) return errors.validation('The address is not valid: it has a malformed %-escape.');
  // Any other client error the HTTP layer raises (http-errors with a 4xx status, e.g. an aborted body): say so as a
  // 4xx in the contract's shape rather than as a 500.
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (status === 413) return new AppError('payload_too_large', 'The request body is too large.');
    if (status === 415) return new AppError('unsupported_media_type', 'This content type is not accepted here.');
    return errors.validation('The request could not be read; check its body and headers.');
  }
  return undefined;
}

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const appError = fromBodyParser(err) ?? toAppError(err);
  if (appError.status >= 500) req.log.error({ err }, 'request failed');
  if (res.headersSent) {
    res.destroy(); // a streamed response that failed midway: cut it so the client sees an incomplete transfer
    return;
  }
  if (appError.headers) res.set(appError.headers);
  res.status(appError.status).json({ error: appError.toBody() });
};

export const notFoundHandler: RequestHandler = (req) => {
  throw errors.notFound(`${req.method} ${req.path}`);
};
