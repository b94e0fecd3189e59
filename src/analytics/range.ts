import { invalidRequest } from '../api/errors.js';
import { parseDuration } from '../api/duration.js';
import type { AnalyticsGranularity, AnalyticsQuery } from '../api/schemas.js';
import { periodStart } from '../limits/periods.js';

/** The buckets a report covers: whole hours, UTC days or weeks (from Monday). */
export interface AnalyticsRange {
  /** The start of the first bucket (the requested since, rounded down to its bucket). */
  since: Date;
  /** The end of the last bucket (the requested until, rounded up). */
  until: Date;
  granularity: AnalyticsGranularity;
  /** Which rollup rows answer: hourly ones for hours, daily ones for days and weeks. */
  grain: 'hour' | 'day';
  buckets: Date[];
}

const stepMs = { hour: 3_600_000, day: 86_400_000, week: 604_800_000 } as const;
const maxBuckets = 5_000;
const hourlyUpToMs = 2 * 86_400_000;

const instantOf = (text: string, now: Date) => {
  const ms = parseDuration(text);
  return ms === undefined ? new Date(text) : new Date(now.getTime() - ms);
};

function bucketStart(at: Date, granularity: AnalyticsGranularity): Date {
  if (granularity === 'hour') return new Date(Math.floor(at.getTime() / stepMs.hour) * stepMs.hour);
  return periodStart(granularity === 'day' ? 'daily' : 'weekly', at);
}

export function resolveRange(q: Pick<AnalyticsQuery, 'since' | 'until' | 'granularity'>, now = new Date()): AnalyticsRange {
  const since = instantOf(q.since, now);
  const until = q.until ? instantOf(q.until, now) : now;
  if (since >= until) throw invalidRequest(`query parameter since: must be before until (${until.toISOString()})`);
  const granularity = q.granularity ?? (until.getTime() - since.getTime() <= hourlyUpToMs ? 'hour' : 'day');
  const first = bucketStart(since, granularity);
  const count = Math.ceil((until.getTime() - first.getTime()) / stepMs[granularity]);
  if (count > maxBuckets) {
    throw invalidRequest(`query parameter granularity: ${count} ${granularity}s is too many buckets (at most ${maxBuckets}); choose a coarser granularity or a shorter range`);
  }
  const buckets = Array.from({ length: count }, (_, i) => new Date(first.getTime() + i * stepMs[granularity]));
  return { since: first, until: new Date(first.getTime() + count * stepMs[granularity]), granularity, grain: granularity === 'hour' ? 'hour' : 'day', buckets };
}
