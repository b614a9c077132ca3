/**
 * gaussmix/distributed: the same exact fits on many processes and machines, on BullMQ over
 * Redis. Start workers (`startWorker`) wherever the shards of the data are, and fit from any
 * process (`fitDistributed`): each iteration is one job per shard, the E-step's statistics come
 * back in binary and are merged in shard order, and the M-step runs in the coordinator.
 *
 * This entry point needs the optional peer dependencies `bullmq` and `ioredis`; the core
 * library (`gaussmix`) never loads them.
 *
 * @packageDocumentation
 */
export { fitDistributed, type DistributedFitOptions, type DistributedModel } from './coordinator.js';
export { startWorker, type DistributedWorker, type ShardData, type ShardSpec, type WorkerOptions } from './worker.js';
export type { RoundInfo, ShardJobResult } from './run.js';
