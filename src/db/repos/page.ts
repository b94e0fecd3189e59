import { invalidRequest } from '../../api/errors.js';
import type { Page } from '../../api/schemas.js';

/** Keyset pagination over (created_at, id): stable while rows are added. */
export interface Cursor {
  at: string;
  id: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.at, c.id])).toString('base64url');
}

export function decodeCursor(text: string | undefined): Cursor | undefined {
  if (!text) return undefined;
  try {
    const [at, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at === 'string' && (typeof id === 'string' || typeof id === 'number') && !Number.isNaN(Date.parse(at))) {
      return { at, id: String(id) };
    }
  } catch {
    // fall through
  }
  throw invalidRequest('cursor: not a cursor this API returned');
}

/** Turns limit+1 fetched rows into a page; `keyOf` gives each row's cursor position. */
export function toPage<R, T>(rows: R[], limit: number, map: (row: R) => T, keyOf: (row: R) => Cursor): Page<T> {
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  return { data: shown.map(map), next_cursor: more ? encodeCursor(keyOf(shown[shown.length - 1]!)) : null };
}

export const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => uuidPattern.test(value);
