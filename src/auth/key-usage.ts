import type { Logger } from 'pino';
import type { Db } from '../db/db.js';
import { touchKeys } from '../db/repos/keys.js';

const flushEveryMs = 30_000;

/** Writes keys' last-used times in one batched UPDATE every 30 s, never on the request path. */
export class KeyUsageRecorder {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly usedKeyIds: Set<string>,
    private readonly log?: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), flushEveryMs);
    this.timer.unref();
  }

  async flush(): Promise<void> {
    if (this.usedKeyIds.size === 0) return;
    const ids = [...this.usedKeyIds];
    this.usedKeyIds.clear();
    try {
      await touchKeys(this.db, ids, new Date());
    } catch (err) {
      for (const id of ids) this.usedKeyIds.add(id);
      this.log?.warn({ err: (err as Error).message }, 'could not record key usage; will retry');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
