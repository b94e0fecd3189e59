/**
 * Bedrock list prices for the built-in models, in micro-dollars per million tokens (so $3.00
 * per MTok is 3_000_000). Global inference profiles are list price; regional ones cost 10%
 * more. Admins override any of it (ccag pricing set/import).
 */
export interface Price {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  /** Above this many input tokens, the long-context multipliers apply (1M-context requests). */
  longContextThreshold: number | null;
  longContextInputPct: number;
  longContextOutputPct: number;
  /** Extra percentage on regional (not global) inference profiles. */
  regionalUpliftPct: number;
}

const usd = (dollars: number) => Math.round(dollars * 1_000_000);

/** Anthropic's cache multipliers: 5-minute writes 1.25×, 1-hour writes 2×, reads 0.1× of input. */
function price(inputUsd: number, outputUsd: number, extra: Partial<Price> = {}): Price {
  return {
    input: usd(inputUsd),
    output: usd(outputUsd),
    cacheRead: usd(inputUsd * 0.1),
    cacheWrite5m: usd(inputUsd * 1.25),
    cacheWrite1h: usd(inputUsd * 2),
    longContextThreshold: null,
    longContextInputPct: 100,
    longContextOutputPct: 100,
    regionalUpliftPct: 10,
    ...extra,
  };
}

const sonnetLongContext = { longContextThreshold: 200_000, longContextInputPct: 200, longContextOutputPct: 150 };

export const priceCatalog: Record<string, Price> = {
  'claude-fable-5': price(10, 50),
  'claude-opus-5': price(5, 25),
  'claude-sonnet-5': price(2, 10),
  'claude-opus-4-8': price(5, 25),
  'claude-opus-4-7': price(5, 25),
  'claude-opus-4-6': price(5, 25),
  'claude-sonnet-4-6': price(3, 15),
  'claude-sonnet-4-5-20250929': price(3, 15, sonnetLongContext),
  'claude-opus-4-5-20251101': price(5, 25),
  'claude-haiku-4-5-20251001': price(1, 5),
  'claude-opus-4-1-20250805': price(15, 75, { regionalUpliftPct: 0 }),
  'claude-sonnet-4-20250514': price(3, 15, { ...sonnetLongContext, regionalUpliftPct: 0 }),
  'claude-3-5-haiku-20241022': price(0.8, 4, { regionalUpliftPct: 0 }),
};

/**
 * What a request for a model with no known price is charged (model `*`): the dearest list
 * price, so an unpriced model never counts as $0 against a budget.
 */
export const fallbackPrice: Price = price(
  Math.max(...Object.values(priceCatalog).map((p) => p.input)) / 1_000_000,
  Math.max(...Object.values(priceCatalog).map((p) => p.output)) / 1_000_000,
  { regionalUpliftPct: 0 },
);
export const fallbackModel = '*';
