/**
 * Error types and wire shapes shared by the gateway, the CLI and the portal.
 * The gateway answers every error as
 * `{"type":"error","error":{"type":…,"message":…},"request_id":…}` (Anthropic's shape).
 */

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'conflict_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'billing_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error';

export interface ErrorBody {
  type: 'error';
  error: { type: ErrorType; message: string };
  request_id?: string;
}

/** The status each error type is answered with. */
export const statusForErrorType: Record<ErrorType, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  conflict_error: 409,
  request_too_large: 413,
  rate_limit_error: 429,
  billing_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** Why a limit refused a request, for the rejection metrics (never sent to the client). */
export type Refusal =
  | { kind: 'rate_limit'; limit: 'rpm' | 'tpm' | 'concurrency'; scope: string }
  | { kind: 'budget'; scope: string };

export class GatewayError extends Error {
  readonly status: number;
  /** Extra response headers, e.g. `retry-after`. */
  readonly headers: Record<string, string>;
  /** Set when a rate limit or budget refused the request. */
  refusal?: Refusal;
  constructor(readonly type: ErrorType, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'GatewayError';
    this.status = statusForErrorType[type];
    this.headers = headers;
  }

  toBody(requestId?: string): ErrorBody {
    const body: ErrorBody = { type: 'error', error: { type: this.type, message: this.message } };
    if (requestId) body.request_id = requestId;
    return body;
  }
}

export const invalidRequest = (message: string) => new GatewayError('invalid_request_error', message);
export const unauthenticated = (message: string) => new GatewayError('authentication_error', message);
export const forbidden = (message: string) => new GatewayError('permission_error', message);
export const notFound = (message: string) => new GatewayError('not_found_error', message);
export const conflict = (message: string) => new GatewayError('conflict_error', message);
export const rateLimited = (message: string, retryAfterSeconds: number) =>
  new GatewayError('rate_limit_error', message, { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
