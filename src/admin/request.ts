import type { FastifyRequest } from 'fastify';
import { unauthenticated } from '../api/errors.js';
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
