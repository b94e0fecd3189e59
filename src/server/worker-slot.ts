import cluster from 'node:cluster';

/** The variable the cluster primary passes each worker its slot in (src/server/cluster.ts). */
export const workerSlotVariable = 'CCAG_WORKER_SLOT';

/**
 * Set for the workers of the initial start, whose database the primary has just prepared.
 * Workers forked later (rolling restart, replacement) prepare it themselves, under the
 * migration lock: the code on disk may be a newer ccag with new migrations.
 */
export const workerPreparedVariable = 'CCAG_WORKER_DB_PREPARED';

/** The worker's slot (1..N) when this process is a `--workers` cluster worker; undefined otherwise. */
export function clusterWorkerSlot(): number | undefined {
  return cluster.isWorker ? Number(process.env[workerSlotVariable]) || undefined : undefined;
}
