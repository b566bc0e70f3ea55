import type { ErrorCode, ErrorDetail } from '@anchor/shared';

/** Codes the client adds for failures that never reached (or never came back from) the server's error handler. */
export type ClientErrorCode = 'network_error' | 'timeout' | 'invalid_response';

/** A failed request in the contract's error shape; `status` is 0 when no HTTP answer arrived. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | ClientErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Serialized as JSON with `Content-Type: application/json`. */
  json?: unknown;
  /** A raw body (a File for imports), sent with `contentType`. */
  body?: BodyInit;
  contentType?: string;
  signal?: AbortSignal;
}

function isErrorResponse(
  value: unknown,
): value is { error: { code: ErrorCode; message: string; details?: ErrorDetail[] } } {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = value.error;
  return typeof error === 'object' && error !== null && 'code' in error && 'message' in error;
}

async function errorFrom(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => undefined);
  if (isErrorResponse(body)) {
    return new ApiError(response.status, body.error.code, body.error.message, body.error.details ?? []);
  }
  return new ApiError(
    response.status,
    response.status >= 500 ? 'unavailable' : 'invalid_response',
    `The server answered ${response.status} ${response.statusText}. Try again in a moment.`,
  );
}

/** Same-origin fetch (the session cookie rides along; the browser adds the Origin header the CSRF check needs). */
async function send(path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  let body = options.body;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.contentType) {
    headers['content-type'] = options.contentType;
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      credentials: 'same-origin',
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError(0, 'network_error', 'Could not reach the server. Check your connection and try again.');
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

/**
 * A request answered with JSON of type T. The body is not re-validated here: the server's presenters are typed
 * against the same shared schemas, and parsing with zod in the browser would add ~29 kB (gzip) to every rater's
 * download. A body that is not JSON at all still fails cleanly.
 */
export async function apiJson<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, options);
  try {
    return (await response.json()) as T;
  } catch {
    throw new ApiError(
      response.status,
      'invalid_response',
      `The server's answer to ${path} was not JSON. Reload the page; if it persists, tell an admin.`,
    );
  }
}

/** A request answered with no body worth reading (204). */
export async function apiNoContent(path: string, options: RequestOptions = {}): Promise<void> {
  await send(path, options);
}

/** A message for any thrown value, for `role="alert"` regions. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong. Try again.';
}

/**
 * The message for a form's alert region: when every problem is already shown beside a field the form renders, a
 * pointer to them rather than the same messages again.
 */
export function formErrorMessage(error: unknown, renderedFields: readonly string[]): string {
  const paths = error instanceof ApiError ? error.details.map((d) => d.path) : [];
  const allShown =
    paths.length > 0 && paths.every((p) => p !== undefined && renderedFields.includes(p.split('.')[0] ?? p));
  return allShown ? 'Some fields need attention: see the messages beside them.' : errorMessage(error);
}

/**
 * Validation details keyed by field path, for showing each message beside its field. A nested path (`scale.points`,
 * `languages.2`) is also filed under its first segment, so a form can look up whichever it renders.
 */
export function fieldErrors(error: unknown): Record<string, string> {
  const byPath: Record<string, string> = {};
  if (!(error instanceof ApiError)) return byPath;
  for (const { path, message } of error.details) {
    if (!path) continue;
    const top = path.split('.')[0] ?? path;
    byPath[path] ??= message;
    byPath[top] ??= message;
  }
  return byPath;
}
