/**
 * Bedrock's exceptions: the HTTP status each one has in the Smithy model (protocols.md 2.4),
 * and how it is named on the wire.
 */
import type { BedrockExceptionName } from './script.js';

/** Errors raised by AWS's front door before Bedrock itself sees the request. */
export type AuthExceptionName =
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'UnrecognizedClientException'
  | 'InvalidSignatureException'
  | 'ExpiredTokenException'
  | 'UnknownOperationException';

export type ExceptionName = BedrockExceptionName | AuthExceptionName;

const status: Record<ExceptionName, number> = {
  ValidationException: 400,
  ServiceQuotaExceededException: 400,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ModelTimeoutException: 408,
  ModelErrorException: 424,
  ModelStreamErrorException: 424,
  ModelNotReadyException: 429,
  ThrottlingException: 429,
  InternalServerException: 500,
  ServiceUnavailableException: 503,
  MissingAuthenticationTokenException: 403,
  IncompleteSignatureException: 403,
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
  ExpiredTokenException: 403,
  UnknownOperationException: 404,
};

const authExceptions = new Set<ExceptionName>([
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'UnknownOperationException',
]);

/** A refusal the emulator answers with; thrown by the checks, turned into a response in one place. */
export class BedrockError extends Error {
  readonly exception: ExceptionName;
  readonly status: number;

  constructor(exception: ExceptionName, message: string) {
    super(message);
    this.name = exception;
    this.exception = exception;
    this.status = status[exception];
  }
}

/**
 * The `x-amzn-errortype` header value. The SDK keeps the part before ':'; the namespace after it
 * says which AWS layer refused (Bedrock itself or the shared Coral front end).
 */
export function errorTypeHeader(exception: ExceptionName): string {
  const namespace = authExceptions.has(exception) ? 'com.amazon.coral.service' : 'com.amazon.bedrock';
  return `${exception}:http://internal.amazon.com/coral/${namespace}/`;
}

/** The members of Bedrock's ResponseStream union that are exceptions (their `:exception-type`). */
export type StreamExceptionName =
  | 'modelStreamErrorException'
  | 'throttlingException'
  | 'internalServerException'
  | 'serviceUnavailableException'
  | 'validationException'
  | 'modelTimeoutException';

export function streamExceptionClass(name: StreamExceptionName): BedrockExceptionName {
  return (name[0]!.toUpperCase() + name.slice(1)) as BedrockExceptionName;
}
