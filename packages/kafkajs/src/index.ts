export { kafkajsClient, KafkajsClient } from './client';
export type { KafkajsClientOptions, KafkajsLogLevel } from './options';
export { PRODUCER_DEFAULTS } from './producer';
export { TRANSACTIONAL_DEFAULTS } from './transactional_producer';
export { GROUP_DEFAULTS } from './group_consumer';
export { assignCopartitioned, copartitionAssigner, COPARTITION_PROTOCOL } from './copartition_assigner';
export type { CopartitionMember } from './copartition_assigner';
