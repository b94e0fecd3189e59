import { GatewayError, type ErrorType } from '../../api/errors.js';

/** Bedrock exception name → the Anthropic error a client sees (by type, never by message text). */
const mapping: Record<string, ErrorType> = {
  ValidationException: 'invalid_request_error',
  ConflictException: 'invalid_request_error',
  ServiceQuotaExceededException: 'rate_limit_error',
  AccessDeniedException: 'permission_error',
  UnrecognizedClientException: 'permission_error',
  InvalidSignatureException: 'permission_error',
  ExpiredTokenException: 'permission_error',
  ResourceNotFoundException: 'not_found_error',
  ModelTimeoutException: 'timeout_error',
  ModelErrorException: 'api_error',
  ModelStreamErrorException: 'api_error',
  ModelNotReadyException: 'rate_limit_error',
  ThrottlingException: 'rate_limit_error',
  TooManyRequestsException: 'rate_limit_error',
  InternalServerException: 'api_error',
  ServiceUnavailableException: 'overloaded_error',
  // A wait for Bedrock ran out (CCAG_BEDROCK_*_TIMEOUT_MS, or the SDK handler's own).
  TimeoutError: 'timeout_error',
};

/** Seconds a throttled client is told to wait (Bedrock gives no hint of its own). */
export const throttledRetryAfterSeconds = 5;

export interface UpstreamErrorInfo {
  /** The Bedrock exception name, e.g. ThrottlingException. */
  name: string;
  message: string;
  status?: number;
}

/** Reads what an AWS SDK error (or an event-stream exception) says about itself. */
export function upstreamErrorInfo(err: unknown): UpstreamErrorInfo {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  return { name: e?.name ?? 'Error', message: e?.message ?? String(err), status: e?.$metadata?.httpStatusCode };
}

/** True for failures of the connection itself rather than an answer from Bedrock. */
export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return Boolean(code && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|UND_ERR_\w+)$/.test(code));
}

/**
 * Maps a Bedrock failure to the Anthropic error, keeping Bedrock's wording (Claude Code
 * matches on it). "Input is too long" reads as Anthropic's "prompt is too long", which is
 * what makes Claude Code compact the conversation.
 */
export function mapUpstreamError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  if ((err as Error)?.name === 'AbortError') return new GatewayError('api_error', 'request aborted');
  if (isConnectionError(err)) return new GatewayError('overloaded_error', `Amazon Bedrock could not be reached (${(err as { code: string }).code})`);
  // A bug of ours, not Bedrock's wording: its message describes our code, so clients get none.
  if (err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError || err instanceof SyntaxError) {
    return new GatewayError('api_error', 'the gateway failed while calling Amazon Bedrock');
  }
  const info = upstreamErrorInfo(err);
  let type = mapping[info.name];
  if (!type) {
    const status = info.status ?? 500;
    type = status === 529 || status === 503 ? 'overloaded_error' : status === 429 ? 'rate_limit_error' : status >= 500 ? 'api_error' : 'invalid_request_error';
  }
  let message = info.message;
  if (/Input is too long/i.test(message)) message = `prompt is too long: ${message}`;
  const headers: Record<string, string> = type === 'rate_limit_error' ? { 'retry-after': String(throttledRetryAfterSeconds) } : {};
  return new GatewayError(type, message, headers);
}
