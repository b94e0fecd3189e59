/** Durations as admins type them: `30d`, `12h`, `90m`, `2w`, `45s` (one number, one unit). */
const unitMs = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const durationPattern = /^(\d{1,6})([smhdw])$/;

/** Milliseconds in a duration string, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = durationPattern.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * unitMs[match[2] as keyof typeof unitMs];
  return ms;
}

export const durationHint = 'a duration such as 45s, 90m, 12h, 30d or 2w';
