/**
 * What goka-ts's own tests against a real broker share (integration, cli, service): the adapters
 * under test, a topic fixture, started processors that `afterEach` stops, the counter processor and
 * the books that check its table. Not published: it is test code of this repository.
 */
export { brokersFromEnv, uniqueName } from '@goka-ts/conformance';
export { clients, fastConsumer } from './clients';
export type { ClientFactory } from './clients';
export { testLogger } from './test_logger';
export { waitFor } from './polling';
export { TestCluster } from './test_cluster';
export type { ProducedRecord } from './test_cluster';
export { assertAlive, start, stopStarted } from './running';
export type { RunningProcessor } from './running';
export { counterGraph, counterInput, decodeCounts, startCounter } from './counter';
export type { CounterOptions } from './counter';
export { compareCounts, lost, NOTHING_LOST, readTableThroughView, viewCaughtUp, viewContents } from './table_counts';
export type { CountComparison } from './table_counts';
export { CountingLoad } from './counting_load';
export type { LoadOptions } from './counting_load';
