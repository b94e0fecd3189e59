import type { PolicyRow } from '../db/repos/policies.js';
import { NamePattern } from './name-pattern.js';

/** A policy ready for the hot path: its lists compiled into patterns. */
export interface Policy {
  row: PolicyRow;
  id: string;
  name: string;
  isDefault: boolean;
  teamId: string | null;
  /** Lower-case. */
  group: string | null;
  /** null: any model. */
  allowedModels: NamePattern | null;
  /** null: no tool denied. */
  deniedTools: NamePattern | null;
  /** null: no cap. */
  maxOutputTokens: number | null;
}

export function compilePolicy(row: PolicyRow): Policy {
  return {
    row,
    id: row.id,
    name: row.name,
    isDefault: row.is_default,
    teamId: row.team_id,
    group: row.group_name,
    allowedModels: row.allowed_models ? new NamePattern(row.allowed_models) : null,
    deniedTools: row.denied_tools.length ? new NamePattern(row.denied_tools) : null,
    maxOutputTokens: row.max_output_tokens,
  };
}
