import cluster from 'node:cluster';

/** The variable the cluster primary passes each worker its slot in (src/server/cluster.ts). */
export const workerSlotVariable = 'CCAG_WORKER_SLOT';

/** The worker's slot (1..N) when this process is a `--workers` cluster worker; undefined otherwise. */
export function clusterWorkerSlot(): number | undefined {
  return cluster.isWorker ? Number(process.env[workerSlotVariable]) || undefined : undefined;
}
