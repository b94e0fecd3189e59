import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { GatewayError, invalidRequest, notFound } from '../api/errors.js';
import { DatabaseUnreachableError } from '../db/unreachable.js';

/** Every error the gateway answers, mapped to Anthropic's error shape in this one place. */
export function toGatewayError(err: unknown, maxBodyBytes: number): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof ZodError) return invalidRequest(describeZodError(err));
  if (err instanceof DatabaseUnreachableError) return databaseUnreachable();
  const e = err as FastifyError & { type?: string };
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError('request_too_large', `request body is larger than the ${maxBodyBytes} bytes allowed`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return invalidRequest('content-type must be application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalidRequest('request body is empty; send a JSON object');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return invalidRequest('content-length does not match the body');
  }
  if (e instanceof SyntaxError || e.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return invalidRequest(`request body is not valid JSON: ${e.message}`);
  }
  if (e.validation) return invalidRequest(e.message);
  if (typeof e.statusCode === 'number' && e.statusCode === 404) return notFound(e.message);
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return invalidRequest(e.message);
  return new GatewayError('api_error', 'internal error; the request id identifies it in the gateway log');
}

export function describeZodError(err: ZodError, whole = 'body'): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : whole}: ${i.message}`)
    .join('; ');
}

export function sendError(reply: FastifyReply, request: FastifyRequest, error: GatewayError): FastifyReply {
  return reply.code(error.status).headers(error.headers).type('application/json').send(error.toBody(request.id));
}

/** 529, which clients (Claude Code, the SDKs) retry: the database is down, not the request wrong. */
export const databaseUnreachable = () => new GatewayError('overloaded_error', "the gateway's database is unreachable; try again shortly");
