import type {} from 'pino-http'; // req.log
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, errors, toAppError } from '../errors.js';

/** express.json() and friends raise these; they become contract errors, never stack traces. */
function fromBodyParser(err: unknown): AppError | undefined {
  const type = (err as { type?: unknown } | null)?.type;
  if (type === 'entity.too.large')
    return new AppError('payload_too_large', 'The request body is too large: send at most 1 MB here.');
  if (type === 'entity.parse.failed') return errors.validation('The request body is not valid JSON.');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported')
    return errors.validation('Send the body as UTF-8.');
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
