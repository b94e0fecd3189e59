import type { Limits } from '../../api/schemas.js';

/** The rate-limit columns every limited row (key, user, team) has. */
export interface LimitRow {
  rpm_limit: number | null;
  tpm_limit: number | null;
  concurrency_limit: number | null;
}

export const toLimits = (r: LimitRow): Limits => ({ rpm: r.rpm_limit || null, tpm: r.tpm_limit || null, concurrency: r.concurrency_limit || null });

/** SET clauses for the limits a patch gives (undefined: unchanged; null or 0: unlimited). */
export function limitAssignments(patch: Partial<Limits>, params: unknown[]): string[] {
  const sets: string[] = [];
  for (const [field, column] of [['rpm', 'rpm_limit'], ['tpm', 'tpm_limit'], ['concurrency', 'concurrency_limit']] as const) {
    if (patch[field] === undefined) continue;
    params.push(patch[field] || null);
    sets.push(`${column} = $${params.length}`);
  }
  return sets;
}
