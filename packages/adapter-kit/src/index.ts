/**
 * `@goka-ts/adapter-kit`: what the goka-ts Kafka client adapters share, so each keeps only what
 * its client makes different. Depends only on `@goka-ts/api`.
 */
export { GROUP_DEFAULTS, resolveGroupConfig } from './group_config';
export type { GroupClientIdentity, GroupSettings } from './group_config';
export { GroupConsumerBase } from './group_consumer_base';
export type { GroupConsumerState } from './group_consumer_base';
export { permanentJoinError } from './join_errors';
export type { JoinErrorReader } from './join_errors';
export { asError, mapClientError } from './error_mapping';
export type { ClientErrorReader, ErrorContext } from './error_mapping';
export { waitForTopicConfig } from './topic_config_wait';
