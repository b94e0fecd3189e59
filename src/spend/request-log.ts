import type { Logger } from 'pino';
import type { Db } from '../db/db.js';
import type { BudgetLedger } from '../limits/budget-ledger.js';

/** One inference request as recorded: ids, model, outcome, token usage, timings. Never content. */
export interface RequestRecord {
  id: string;
  at: Date;
  keyId: string | null;
  userId: string | null;
  teamId: string | null;
  route: string;
  model: string | null;
  bedrockModel: string | null;
  region: string | null;
  stream: boolean;
  status: number;
  errorType: string | null;
  stopReason: string | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  latencyMs: number | null;
  ttftMs: number | null;
  toolNames: string[];
  clientAborted: boolean;
  retriedWithout: string[];
  costMicros: number;
  priced: boolean;
  priceModel: string | null;
}

const columns = [
  'id', 'at', 'key_id', 'user_id', 'team_id', 'route', 'model', 'bedrock_model', 'region', 'stream', 'status', 'error_type',
  'stop_reason', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_5m_tokens', 'cache_write_1h_tokens',
  'latency_ms', 'ttft_ms', 'tool_names', 'client_aborted', 'retried_without', 'cost_micros', 'priced', 'price_model',
] as const;

const flushEveryMs = 1_000;
const flushAtRows = 200;
const maxBuffered = 50_000;

/**
 * Buffers request records and writes them in batches (one multi-row INSERT), off the request
 * path, in one transaction with the budgets' usage they add up to; flushed on shutdown. If
 * the database is down, rows wait (bounded) and are retried.
 */
export class RequestLog {
  private buffer: RequestRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  dropped = 0;

  constructor(
    private readonly db: Db,
    private readonly log?: Logger,
    private readonly ledger?: BudgetLedger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), flushEveryMs);
    this.timer.unref();
  }

  record(r: RequestRecord): void {
    if (this.buffer.length >= maxBuffered) {
      this.dropped++;
      return;
    }
    this.buffer.push(r);
    if (this.buffer.length >= flushAtRows) void this.flush();
  }

  get pending(): number {
    return this.buffer.length;
  }

  flush(): Promise<void> {
    this.flushing ??= this.writeBatch().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    if (this.buffer.length) await this.flush();
  }

  private async writeBatch(): Promise<void> {
    while (this.buffer.length) {
      const batch = this.buffer.slice(0, flushAtRows);
      const params: unknown[] = [];
      const rows = batch.map((r) => {
        const values = [
          r.id, r.at, r.keyId, r.userId, r.teamId, r.route, r.model, r.bedrockModel, r.region, r.stream, r.status, r.errorType,
          r.stopReason, r.inputTokens, r.outputTokens, r.cacheReadTokens, r.cacheWrite5mTokens, r.cacheWrite1hTokens,
          r.latencyMs, r.ttftMs, r.toolNames, r.clientAborted, r.retriedWithout, r.costMicros, r.priced, r.priceModel,
        ];
        return `(${values.map((v) => `$${params.push(v)}`).join(', ')})`;
      });
      try {
        await this.db.transaction(async (tx) => {
          await this.ledger?.settle(tx, batch);
          await tx.query(`INSERT INTO requests (${columns.join(', ')}) VALUES ${rows.join(', ')} ON CONFLICT (id) DO NOTHING`, params);
        });
        this.ledger?.settled(batch);
        this.buffer.splice(0, batch.length);
      } catch (err) {
        this.log?.warn({ err: (err as Error).message, pending: this.buffer.length }, 'could not write request records; will retry');
        return;
      }
    }
  }
}
