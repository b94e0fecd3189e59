import type { Logger } from 'pino';
import type { Db, Queryable } from '../db/db.js';

/** The channel replicas announce configuration changes on; the payload names the topic. */
export const configChannel = 'ccag_config';

/** Queues the announcement of a change in a transaction: every replica reloads after commit. */
export async function announceConfigChange(tx: Queryable, topic: string): Promise<void> {
  await tx.query('SELECT pg_notify($1, $2)', [configChannel, topic]);
}

/**
 * Configuration held in memory (the hot path reads no database), loaded at start and
 * reloaded on every replica when any replica announces a change of its topic, and after the
 * notification connection reconnects.
 */
export abstract class ReloadingStore {
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    protected readonly db: Db,
    private readonly topic: string,
    protected readonly log?: Logger,
  ) {}

  abstract reload(): Promise<void>;

  async start(): Promise<void> {
    await this.reload();
    const reload = () => void this.reload().catch((err: Error) => this.log?.warn({ err: err.message, topic: this.topic }, 'configuration reload failed'));
    this.unlisten = await this.db.listen(configChannel, {
      onNotification: (payload) => {
        if (payload === this.topic) reload();
      },
      onReconnect: reload,
    });
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
  }
}
