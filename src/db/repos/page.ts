import { invalidRequest } from '../../api/errors.js';
import type { Page } from '../../api/schemas.js';

/**
 * Keyset pagination over (created_at, id): stable while rows are added. The cursor keeps
 * Postgres' own text of the timestamp, microseconds included (a JS Date would cut them).
 */
export interface Cursor {
  at: string;
  id: string;
}

const timestampText = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z)?$/;

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.at, c.id])).toString('base64url');
}

export function decodeCursor(text: string | undefined): Cursor | undefined {
  if (!text) return undefined;
  try {
    const [at, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at === 'string' && timestampText.test(at) && (typeof id === 'string' || typeof id === 'number')) {
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

/** SQL for a row's cursor time: UTC with microseconds, exactly as Postgres stores it. */
export const cursorAtSql = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at`;
