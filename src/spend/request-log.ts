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
  /** The endpoint that served the request (name), or null when none did. */
  endpoint: string | null;
  /** Web searches the gateway ran for the request. */
  webSearches: number;
  costMicros: number;
  priced: boolean;
  priceModel: string | null;
}

const columns = [
  'id', 'at', 'key_id', 'user_id', 'team_id', 'route', 'model', 'bedrock_model', 'region', 'stream', 'status', 'error_type',
  'stop_reason', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_5m_tokens', 'cache_write_1h_tokens',
  'latency_ms', 'ttft_ms', 'tool_names', 'client_aborted', 'retried_without', 'cost_micros', 'priced', 'price_model', 'endpoint',
  'web_searches',
] as const;

const columnList = columns.join(', ');

/** A record as a row of the requests table, keyed by column. */
function toRow(r: RequestRecord): Record<(typeof columns)[number], unknown> {
  return {
    id: r.id, at: r.at, key_id: r.keyId, user_id: r.userId, team_id: r.teamId, route: r.route, model: r.model, bedrock_model: r.bedrockModel,
    region: r.region, stream: r.stream, status: r.status, error_type: r.errorType, stop_reason: r.stopReason, input_tokens: r.inputTokens,
    output_tokens: r.outputTokens, cache_read_tokens: r.cacheReadTokens, cache_write_5m_tokens: r.cacheWrite5mTokens,
    cache_write_1h_tokens: r.cacheWrite1hTokens, latency_ms: r.latencyMs, ttft_ms: r.ttftMs, tool_names: r.toolNames,
    client_aborted: r.clientAborted, retried_without: r.retriedWithout, cost_micros: r.costMicros, priced: r.priced,
    price_model: r.priceModel, endpoint: r.endpoint, web_searches: r.webSearches,
  };
}

const flushEveryMs = 1_000;
const flushAtRows = 200;
const maxBuffered = 50_000;

/**
 * Buffers request records and writes them in batches (one INSERT of up to 200 rows, when 200
 * are buffered or every second), off the request path, in one transaction with the budgets'
 * usage they add up to and the analytics rollups (migrations/013_analytics.sql); flushed on
 * shutdown. If the database is down, rows wait (bounded) and are retried.
 */
export class RequestLog {
  private buffer: RequestRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private nextFlush: Promise<void> | undefined;
  /** Records refused because the buffer was full (database down too long). */
  dropped = 0;
  /** Records the database refused and that were set aside in quarantined_requests. */
  quarantined = 0;

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

  /**
   * Writes the records buffered now (records that arrive meanwhile wait for the next flush:
   * 200 of them, or the timer). Called while a flush runs, it resolves after one more pass,
   * so a caller always finds its records written.
   */
  flush(): Promise<void> {
    if (this.flushing) {
      const again = () => {
        this.nextFlush = undefined;
        return this.flush();
      };
      return (this.nextFlush ??= this.flushing.then(again, again));
    }
    this.flushing = this.writeBuffered().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    if (this.buffer.length) await this.flush();
  }

  private async writeBuffered(): Promise<void> {
    // Only what is buffered now: draining until empty under load wrote a few rows per
    // transaction, back to back, instead of full batches.
    for (let left = this.buffer.length; left > 0 && this.buffer.length; ) {
      const batch = this.buffer.slice(0, Math.min(flushAtRows, left));
      try {
        await this.insert(batch);
      } catch (err) {
        if (!isDataError(err)) {
          this.log?.warn({ err: (err as Error).message, pending: this.buffer.length }, 'could not write request records; will retry');
          return;
        }
        // A row the database refuses would block every later one: write the rest one by one.
        for (const record of batch) {
          await this.insert([record]).catch((rowErr: Error) => this.quarantine(record, rowErr));
        }
      }
      this.buffer.splice(0, batch.length);
      left -= batch.length;
    }
  }

  private async insert(batch: RequestRecord[]): Promise<void> {
    // The batch goes as one JSON parameter that Postgres unpacks into rows: one JSON.stringify
    // instead of binding 28 parameters per row, which blocked the event loop for milliseconds.
    const rows = JSON.stringify(batch.map(toRow));
    const write = async () => {
      await this.db.transaction(async (tx) => {
        await this.ledger?.settle(tx, batch);
        const inserted = await tx.query<{ id: string }>(
          `INSERT INTO requests (${columnList}) SELECT ${columnList} FROM json_populate_recordset(NULL::requests, $1::json) ON CONFLICT (id) DO NOTHING RETURNING id`,
          [rows],
        );
        // Only rows written now: a batch retried after a lost commit is not counted twice.
        if (inserted.rows.length) await tx.query('SELECT rollup_requests($1::text[])', [inserted.rows.map((r) => r.id)]);
      });
      this.ledger?.settled(batch);
    };
    await (this.ledger ? this.ledger.exclusive(write) : write());
  }

  private async quarantine(record: RequestRecord, err: Error): Promise<void> {
    this.quarantined++;
    this.log?.error({ id: record.id, err: err.message }, 'request record refused by the database; quarantined');
    await this.db
      .query('INSERT INTO quarantined_requests (id, error, record) VALUES ($1, $2, $3)', [record.id, err.message.slice(0, 1000), JSON.stringify(record)])
      .catch((qErr: Error) => this.log?.error({ id: record.id, err: qErr.message }, 'could not quarantine a request record'));
  }
}

/** Postgres refused the data itself (SQLSTATE classes 22 and 23), not the connection. */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^2[23]/.test(code);
}
