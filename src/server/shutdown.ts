import type { Gateway } from './gateway.js';

/**
 * SIGTERM/SIGINT: stop accepting, let in-flight requests finish (bounded by the shutdown
 * timeout), flush, close the database, exit 0. A second signal exits at once, unless
 * `repeatExits` is false: a cluster worker can get SIGTERM twice, from a service manager
 * signalling the whole group and from the primary, and must still finish gracefully.
 */
export function exitOnSignals(
  gateway: Gateway,
  { signals = ['SIGTERM', 'SIGINT'], repeatExits = true, drain }: { signals?: NodeJS.Signals[]; repeatExits?: boolean; drain?: () => Promise<void> } = {},
): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      if (!repeatExits) return;
      gateway.log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    gateway.log.info({ signal }, 'shutting down: finishing in-flight requests');
    (drain ? drain() : Promise.resolve()).then(() => gateway.close()).then(
      () => {
        gateway.log.info('shutdown complete');
        process.exit(0);
      },
      (err: unknown) => {
        gateway.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, onSignal);
}
