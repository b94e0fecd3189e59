import type { RequestRecord } from '../../src/spend/request-log.js';

/** A request record as the gateway would log it: a small successful haiku call, unless overridden. */
export const requestRecord = (id: string, o: Partial<RequestRecord> = {}): RequestRecord => ({
  id, at: new Date(), keyId: null, userId: null, teamId: null, route: 'messages', model: 'claude-haiku-4-5', bedrockModel: null, region: 'us-east-1',
  stream: false, status: 200, errorType: null, stopReason: 'end_turn', inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWrite5mTokens: 0,
  cacheWrite1hTokens: 0, latencyMs: 12, ttftMs: 5, toolNames: [], clientAborted: false, retriedWithout: [], endpoint: null,
  webSearches: 0, costMicros: 35, priced: true, priceModel: 'claude-haiku-4-5-20251001',
  ...o,
});
