import type { Price } from './price-catalog.js';

export interface BilledUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
}

/**
 * A request's cost in micro-dollars (integer): tokens × price per million, with the
 * long-context and regional-profile adjustments. Never a float on the way to the database.
 */
export function costMicros(usage: BilledUsage, price: Price, opts: { regional: boolean }): number {
  const promptTokens = usage.inputTokens + usage.cacheReadTokens + usage.cacheWrite5mTokens + usage.cacheWrite1hTokens;
  const long = price.longContextThreshold !== null && promptTokens > price.longContextThreshold;
  const inPct = long ? price.longContextInputPct : 100;
  const outPct = long ? price.longContextOutputPct : 100;
  // Token counts and prices are integers: this sum is exact in a double up to ~9e15.
  const inputSide =
    usage.inputTokens * price.input + usage.cacheReadTokens * price.cacheRead + usage.cacheWrite5mTokens * price.cacheWrite5m + usage.cacheWrite1hTokens * price.cacheWrite1h;
  const total = (inputSide * inPct + usage.outputTokens * price.output * outPct) / 100;
  const uplift = opts.regional ? 100 + price.regionalUpliftPct : 100;
  return Math.round((total * uplift) / 100 / 1_000_000);
}
