/**
 * Everything server-side the CLI can run (`serve`, `migrate`, `emulator`): fastify, the
 * databases, the AWS SDK. Commands import this module lazily, inside their action, so the
 * other commands start without loading it, and so the self-contained CLI bundle served at
 * `/setup/ccag.tgz` can leave it out: scripts/build-cli-bundle.mjs swaps in no-server.ts.
 */
export { migrate } from '../db/migrate.js';
export { openDb } from '../db/open.js';
export { runEmulatorCommand } from '../emulator/index.js';
export { isClusterPrimary, runClusterPrimary, runClusterWorker } from '../server/cluster.js';
export { clusterWorkerSlot } from '../server/worker-slot.js';
export { createGateway } from '../server/gateway.js';
export { exitOnSignals } from '../server/shutdown.js';
export { startupSummary } from '../server/startup-summary.js';
export { createLogger } from '../telemetry/logger.js';
