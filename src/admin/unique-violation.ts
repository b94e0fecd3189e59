import { conflict } from '../api/errors.js';

/** Maps Postgres' unique violation (23505) to a 409 with a message that names the clash. */
export function uniqueViolation(message: string) {
  return (err: unknown): never => {
    if ((err as { code?: string }).code === '23505') throw conflict(message);
    throw err;
  };
}
