import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { invalidRequest, unauthenticated } from '../api/errors.js';
import { describeZodError } from '../server/error-handler.js';
import type { Principal } from '../auth/principal.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** The authenticated caller of a route whose access is not anonymous. */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw unauthenticated('missing credentials');
  return req.principal;
}

export type RefParams = { ref: string };

/** Validates a JSON body; errors name the field (`name: must be …`). */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw invalidRequest(describeZodError(r.error, 'body'));
  return r.data;
}

/** Validates query parameters; errors say they are about the query. */
export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.infer<S> {
  const r = schema.safeParse(query ?? {});
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw invalidRequest(issue.path.length ? `query parameter ${issue.path.join('.')}: ${issue.message}` : `query: ${issue.message}`);
  }
  return r.data;
}
