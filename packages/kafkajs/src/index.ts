export { kafkajsClient, KafkajsClient } from './client';
export type { KafkajsClientOptions, KafkajsLogLevel } from './options';
export { PRODUCER_DEFAULTS } from './producer';
export { TRANSACTIONAL_DEFAULTS } from './transactional_producer';
export { GROUP_DEFAULTS } from '@goka-ts/adapter-kit';
export { copartitionAssigner } from './copartition_assigner';
export { COPARTITION_PROTOCOL, planCopartitioned } from '@goka-ts/copartition';
export type { CopartitionMember } from '@goka-ts/copartition';
