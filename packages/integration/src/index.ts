/**
 * @goka-ts/integration is a test package. Its build holds the worker processes the crash tests
 * spawn (`dist/workers/*.js`); the exports are their protocol, for tests driving them.
 */
export { WORKER_CONFIG_ENV } from './workers/protocol';
export type { CounterWorkerConfig, WorkerReport } from './workers/protocol';
export { counterGraph } from './workers/counter_graph';
