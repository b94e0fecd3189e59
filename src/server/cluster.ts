/**
 * `ccag serve --workers N`: node:cluster, one full gateway per worker process on one shared
 * port. The primary prepares the database once (migrations, bootstrap admin, seeded identity
 * provider), forks the workers, prints the startup summary once, replaces a worker that dies
 * (backing off when it keeps dying), restarts the workers one at a time on SIGHUP, stops them
 * gracefully on SIGTERM/SIGINT, and sums their metrics for /metrics.
 */
import cluster, { type Worker } from 'node:cluster';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';
import type { Logger } from 'pino';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { openDb } from '../db/open.js';
import { createLogger } from '../telemetry/logger.js';
import { missingSecretKey, type Config } from './config.js';
import { createGateway, prepareDatabase, type Gateway } from './gateway.js';
import { exitOnSignals } from './shutdown.js';
import { startupSummary } from './startup-summary.js';
import { workerPreparedVariable, workerSlotVariable } from './worker-slot.js';

type Snapshot = MetricObjectWithValues<MetricValue<string>>[];

/** Messages between the primary and its workers (cluster IPC). */
type WorkerMessage =
  | { ccag: 'ready'; url: string; summary: { lines: string[]; fields: Record<string, unknown> } }
  | { ccag: 'metrics-request'; id: number }
  | { ccag: 'metrics-snapshot'; id: number; metrics: Snapshot };
type Ready = Extract<WorkerMessage, { ccag: 'ready' }>;
type PrimaryMessage = { ccag: 'metrics-collect'; id: number } | { ccag: 'metrics-result'; id: number; text?: string; error?: string };

/** A worker that served this long before dying starts its slot's back-off over. */
const stableAfterMs = 60_000;
const maxBackoffMs = 30_000;
/** How long a stopping worker keeps serving the connections it has before it closes them. */
const drainMs = 1_000;
/** Stops accepting without closing idle connections (http.Server#close would). */
const netServerClose = NetServer.prototype.close;
/** How long /metrics waits for every worker's numbers. */
const metricsTimeoutMs = 3_000;

/** True in the process that should fork workers rather than serve. */
export function isClusterPrimary(config: Config): boolean {
  return config.workers > 1 && cluster.isPrimary;
}

/**
 * A worker: a full gateway over the database the primary prepared (or, forked later, prepares
 * it itself: after `npm install -g` of a newer ccag, SIGHUP brings its migrations). It stops gracefully on
 * SIGTERM from the primary; SIGINT and SIGHUP reach the whole process group from a terminal
 * and are the primary's to act on.
 */
export async function runClusterWorker(config: Config, slot: number): Promise<void> {
  process.on('SIGINT', () => undefined);
  process.on('SIGHUP', () => undefined);
  const log = createLogger(config.logLevel).child({ worker: slot });
  const gateway = await createGateway(config, { prepared: process.env[workerPreparedVariable] === '1', log });
  let draining = false;
  gateway.app.server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    // Which worker answered, for telling them apart when debugging (also on streams, written raw).
    res.setHeader('ccag-worker', slot);
    if (draining) res.shouldKeepAlive = false;
  });
  // Before closing: stop taking connections from the primary, then keep serving the ones this
  // worker has for a moment, closing each after its answer, so that a request on a connection
  // handed over just before the stop is answered rather than cut or refused with 503.
  const drain = async () => {
    draining = true;
    netServerClose.call(gateway.app.server);
    await new Promise((r) => setTimeout(r, drainMs));
  };
  exitOnSignals(gateway, { signals: ['SIGTERM'], repeatExits: false, drain });
  answerMetrics(gateway);
  const url = await gateway.listen();
  send({ ccag: 'ready', url, summary: await startupSummary(gateway, url) });
}

function send(message: WorkerMessage): void {
  process.send?.(message);
}

/** /metrics on a worker shows the whole cluster: it asks the primary, which asks every worker. */
function answerMetrics(gateway: Gateway): void {
  const metrics = gateway.inference.metrics;
  const waiting = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void }>();
  let next = 0;
  process.on('message', (message: PrimaryMessage | undefined) => {
    if (message?.ccag === 'metrics-collect') {
      void metrics.snapshot().then((snapshot) => send({ ccag: 'metrics-snapshot', id: message.id, metrics: snapshot }));
    } else if (message?.ccag === 'metrics-result') {
      const pending = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.text !== undefined) pending?.resolve(message.text);
      else pending?.reject(new Error(message.error ?? 'no metrics'));
    }
  });
  metrics.clusterExposition = () =>
    new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject });
      send({ ccag: 'metrics-request', id });
    });
}

/** The primary: prepares the database, then forks and looks after the workers. */
export async function runClusterPrimary(config: Config): Promise<void> {
  if (!config.secretKey) throw missingSecretKey;
  const log = createLogger(config.logLevel).child({ role: 'primary' });
  const db = await openDb(config, log);
  try {
    await prepareDatabase(db, config, log);
  } finally {
    await db.close();
  }
  new Primary(config, log).start();
}

interface Slot {
  worker: Worker;
  startedAt: number;
  /** Unexpected deaths in a row, for the back-off. */
  crashes: number;
  restart?: NodeJS.Timeout;
}

class Primary {
  private readonly slots = new Map<number, Slot>();
  /** Workers that answered 'ready' and have not been told to stop: the ones /metrics asks. */
  private readonly serving = new Set<Worker>();
  /** Workers the primary stopped (rolling restart, shutdown): their exit is expected. */
  private readonly retiring = new Set<Worker>();
  private phase: 'starting' | 'running' | 'rolling' | 'stopping' = 'starting';
  private failed = false;
  private nextMetricsId = 0;

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
  ) {}

  start(): void {
    const { workers } = this.config;
    if (!this.config.redisUrl) {
      this.log.warn({ workers }, `rate limits are counted by each of the ${workers} workers (up to ${workers}x the configured limit); set REDIS_URL to share them`);
    }
    cluster.on('message', (worker, message: WorkerMessage | undefined) => this.onMessage(worker, message));
    cluster.on('exit', (worker, code, signal) => this.onExit(worker, code, signal));
    process.on('SIGTERM', () => this.stop('SIGTERM'));
    process.on('SIGINT', () => this.stop('SIGINT'));
    process.on('SIGHUP', () => void this.roll());

    const starts = [];
    for (let slot = 1; slot <= workers; slot++) {
      const { worker, ready } = this.fork(slot, true);
      this.slots.set(slot, { worker, startedAt: Date.now(), crashes: 0 });
      starts.push(ready);
    }
    Promise.all(starts).then(
      ([first]) => {
        if (this.phase !== 'starting') return;
        this.phase = 'running';
        const note = this.config.redisUrl ? 'rate limits shared through Redis' : 'rate limits per worker: set REDIS_URL to share them';
        if (process.stderr.isTTY) process.stderr.write(`\n${[...first!.summary.lines, `  workers     ${workers} processes (${note})`].join('\n')}\n\n`);
        else this.log.info({ ...first!.summary.fields, workers }, 'ready');
      },
      () => undefined, // a worker that fails to start stops the whole start (onExit)
    );
  }

  /** Forks the worker for a slot; `ready` resolves once it listens and rejects if it exits first. */
  private fork(slot: number, prepared = false): { worker: Worker; ready: Promise<Ready> } {
    const worker = cluster.fork({ [workerSlotVariable]: String(slot), ...(prepared ? { [workerPreparedVariable]: '1' } : {}) });
    const ready = new Promise<Ready>((resolve, reject) => {
      const onMessage = (message: WorkerMessage | undefined) => {
        if (message?.ccag !== 'ready') return;
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        if (this.phase === 'stopping') return reject(new Error('stopping'));
        this.serving.add(worker);
        this.log.info({ worker: slot, pid: worker.process.pid }, 'worker listening');
        resolve(message);
      };
      const onExit = (code: number | null) => reject(new Error(`worker ${slot} exited with code ${code} before it listened`));
      worker.on('message', onMessage);
      worker.once('exit', onExit);
    });
    return { worker, ready };
  }

  private slotOf(worker: Worker): number | undefined {
    for (const [slot, s] of this.slots) if (s.worker === worker) return slot;
    return undefined;
  }

  private onExit(worker: Worker, code: number | null, signal: string | null): void {
    this.serving.delete(worker);
    const expected = this.retiring.delete(worker);
    if (this.phase === 'stopping') {
      if (code !== 0) this.failed = true;
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        this.log.info('all workers stopped');
        process.exit(this.failed ? 1 : 0);
      }
      return;
    }
    if (expected) return;
    const slot = this.slotOf(worker);
    if (slot === undefined) return; // a rolling restart's new worker that failed: the roll reports it
    if (this.phase === 'starting') {
      this.log.error({ worker: slot, code, signal }, 'a worker failed to start; stopping');
      this.failed = true;
      this.stop('SIGTERM');
      return;
    }
    // Died unexpectedly: replace it, at once the first time, then backing off while it keeps dying.
    const s = this.slots.get(slot)!;
    const crashes = Date.now() - s.startedAt > stableAfterMs ? 0 : s.crashes;
    const delay = crashes === 0 ? 0 : Math.min(maxBackoffMs, 1000 * 2 ** (crashes - 1));
    this.log.error({ worker: slot, pid: worker.process.pid, code, signal, restartInMs: delay }, 'worker died; starting a new one');
    s.restart = setTimeout(() => {
      if (this.phase === 'stopping') return;
      const { worker: next, ready } = this.fork(slot);
      this.slots.set(slot, { worker: next, startedAt: Date.now(), crashes: crashes + 1 });
      ready.catch(() => undefined); // another death goes through onExit again
    }, delay);
  }

  /** SIGHUP: one worker at a time, start its replacement, wait until it listens, then stop the old one. */
  private async roll(): Promise<void> {
    if (this.phase !== 'running') {
      this.log.warn({ phase: this.phase }, 'SIGHUP ignored: the workers are not all running');
      return;
    }
    this.phase = 'rolling';
    this.log.info('rolling restart: replacing the workers one at a time');
    for (const slot of [...this.slots.keys()]) {
      const next = this.fork(slot);
      try {
        await next.ready;
      } catch (err) {
        if (this.phase === 'rolling') {
          this.log.error({ worker: slot, err }, 'rolling restart stopped: the new worker did not start; the old ones keep serving');
          this.phase = 'running';
        }
        return;
      }
      if (this.phase !== 'rolling') return;
      const old = this.slots.get(slot)!.worker;
      this.slots.set(slot, { worker: next.worker, startedAt: Date.now(), crashes: 0 });
      await this.retire(old);
    }
    if (this.phase !== 'rolling') return;
    this.phase = 'running';
    this.log.info('rolling restart done');
  }

  /** Stops one worker gracefully (it finishes its requests and flushes its spend records). */
  private retire(worker: Worker): Promise<void> {
    this.serving.delete(worker);
    if (worker.isDead()) return Promise.resolve();
    this.retiring.add(worker);
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.process.kill('SIGTERM');
    return exited;
  }

  /** SIGTERM/SIGINT: every worker stops gracefully; the primary exits once they all have. A second signal kills them. */
  private stop(signal: string): void {
    const again = this.phase === 'stopping';
    this.phase = 'stopping';
    for (const s of this.slots.values()) clearTimeout(s.restart);
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w));
    this.log.info({ signal, workers: workers.length }, again ? 'second signal: killing the workers' : 'shutting down: workers finish their in-flight requests');
    if (workers.length === 0) process.exit(this.failed ? 1 : 0);
    for (const w of workers) {
      this.retiring.add(w);
      w.process.kill(again ? 'SIGKILL' : 'SIGTERM');
    }
  }

  private onMessage(worker: Worker, message: WorkerMessage | undefined): void {
    if (message?.ccag === 'metrics-request') {
      this.clusterMetrics().then(
        (text) => sendTo(worker, { ccag: 'metrics-result', id: message.id, text }),
        (err: Error) => sendTo(worker, { ccag: 'metrics-result', id: message.id, error: err.message }),
      );
    }
  }

  /** Every serving worker's metrics, summed (gauges of circuit state: the worst), as text. */
  private async clusterMetrics(): Promise<string> {
    const id = this.nextMetricsId++;
    const workers = [...this.serving];
    const snapshots = await Promise.all(
      workers.map(
        (worker) =>
          new Promise<Snapshot | undefined>((resolve) => {
            const timer = setTimeout(() => done(undefined), metricsTimeoutMs);
            const onMessage = (message: WorkerMessage | undefined) => {
              if (message?.ccag === 'metrics-snapshot' && message.id === id) done(message.metrics);
            };
            const done = (snapshot: Snapshot | undefined) => {
              clearTimeout(timer);
              worker.off('message', onMessage);
              worker.off('exit', onExitEarly);
              resolve(snapshot);
            };
            // A worker that leaves meanwhile just has no numbers in this scrape.
            const onExitEarly = () => done(undefined);
            worker.on('message', onMessage);
            worker.once('exit', onExitEarly);
            sendTo(worker, { ccag: 'metrics-collect', id });
          }),
      ),
    );
    return AggregatorRegistry.aggregate(snapshots.filter((s): s is Snapshot => s !== undefined)).metrics();
  }
}

function sendTo(worker: Worker, message: PrimaryMessage): void {
  if (worker.isConnected()) worker.send(message);
}
