import type { Gateway } from './gateway.js';

/**
 * SIGTERM/SIGINT: stop accepting, let in-flight requests finish (bounded by the shutdown
 * timeout), flush, close the database, exit 0. A second signal exits at once.
 */
export function exitOnSignals(gateway: Gateway): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      gateway.log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    gateway.log.info({ signal }, 'shutting down: finishing in-flight requests');
    gateway.close().then(
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
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
