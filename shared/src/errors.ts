/** Every error code the API and the socket acknowledgements can answer, with its HTTP status. */
export const errorStatus = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  /** The lease behind an assignment ran out before the judgment arrived. */
  lease_expired: 409,
  /** The assignment was already judged or skipped. */
  already_judged: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export interface ErrorDetail {
  /** Where the problem is: a field path like `scale.points`, or `line 17` for imports. */
  path?: string;
  line?: number;
  message: string;
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: ErrorDetail[];
}

/** The body of every failed HTTP response. */
export interface ErrorResponse {
  error: ErrorBody;
}
