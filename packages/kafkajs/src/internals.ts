import { GokaError } from '@goka-ts/api';
import type { Kafka, PartitionMetadata } from 'kafkajs';

/**
 * Typed access to the parts of kafkajs 2.2.4 that its public API does not expose: the cluster
 * object (metadata, leaders, broker connections) and a broker's Fetch / ListOffsets / OffsetFetch
 * requests. The partition reader and the metadata checks are built on these (see README,
 * "Partition reader"). kafkajs is pinned to exactly 2.2.4 and unmaintained, so these stay put;
 * {@link createCluster} fails loudly if they do not.
 */

/** One record as kafkajs decodes it from a fetch response. */
export interface RawMessage {
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, Buffer | null | Array<Buffer | null>>;
  readonly isControlRecord: boolean;
  /** Header of the record batch the record came from. */
  readonly batchContext?: {
    readonly firstOffset: string;
    readonly lastOffsetDelta: number;
    readonly producerId: string;
    /** The batch belongs to a transaction (its records count only once the transaction committed). */
    readonly inTransaction: boolean;
  };
}

/** A transaction whose records in a fetched range were aborted (fetch responses in read_committed). */
export interface AbortedTransaction {
  readonly producerId: string;
  /** Offset of the transaction's first record in the partition. */
  readonly firstOffset: string;
}

export interface FetchPartitionResponse {
  readonly partition: number;
  readonly errorCode: number;
  readonly highWatermark: string;
  /** In read_committed, the offset up to which the fetch can return records (the first one of an open transaction). */
  readonly lastStableOffset: string;
  readonly abortedTransactions: readonly AbortedTransaction[] | null;
  readonly messages: readonly RawMessage[];
}

export interface FetchResponse {
  readonly responses: ReadonlyArray<{ readonly topicName: string; readonly partitions: readonly FetchPartitionResponse[] }>;
}

export interface FetchRequest {
  readonly maxWaitTime: number;
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly isolationLevel: number;
  readonly topics: ReadonlyArray<{
    readonly topic: string;
    readonly partitions: ReadonlyArray<{ readonly partition: number; readonly fetchOffset: string; readonly maxBytes: number }>;
  }>;
}

export interface ListOffsetsResponse {
  readonly responses: ReadonlyArray<{ readonly topic: string; readonly partitions: ReadonlyArray<{ readonly partition: number; readonly offset: string }> }>;
}

export interface OffsetFetchResponse {
  readonly responses: ReadonlyArray<{ readonly topic: string; readonly partitions: ReadonlyArray<{ readonly partition: number; readonly offset: string }> }>;
}

export interface InternalBroker {
  readonly nodeId: number;
  /** Metadata of exactly these topics (throws UNKNOWN_TOPIC_OR_PARTITION for a missing one). */
  metadata(topics: string[]): Promise<InternalMetadata>;
  fetch(request: FetchRequest): Promise<FetchResponse>;
  listOffsets(request: {
    readonly replicaId?: number;
    readonly isolationLevel: number;
    readonly topics: ReadonlyArray<{ readonly topic: string; readonly partitions: ReadonlyArray<{ readonly partition: number; readonly timestamp: number }> }>;
  }): Promise<ListOffsetsResponse>;
  offsetFetch(request: {
    readonly groupId: string;
    readonly topics: ReadonlyArray<{ readonly topic: string; readonly partitions: ReadonlyArray<{ readonly partition: number }> }>;
  }): Promise<OffsetFetchResponse>;
  /** Throws the coordinator's error (e.g. UNKNOWN_MEMBER_ID when a generation -1 commit meets a group with members). */
  offsetCommit(request: {
    readonly groupId: string;
    readonly groupGenerationId: number;
    readonly memberId: string;
    readonly topics: ReadonlyArray<{ readonly topic: string; readonly partitions: ReadonlyArray<{ readonly partition: number; readonly offset: string }> }>;
  }): Promise<unknown>;
}

export interface InternalMetadata {
  readonly topicMetadata: ReadonlyArray<{ readonly topic: string; readonly partitionMetadata: readonly PartitionMetadata[] }>;
}

export interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** Refreshes the cached metadata (broker list and the cluster's target topics; we keep none). */
  refreshMetadata(): Promise<void>;
  /** Node ids of the known brokers. */
  getNodeIds(): string[];
  findBroker(request: { nodeId: string | number }): Promise<InternalBroker>;
  findGroupCoordinator(request: { groupId: string }): Promise<InternalBroker>;
}

/** ISOLATION_LEVEL of kafkajs' protocol: records of open transactions count (ListOffsets answers the high watermark). */
export const READ_UNCOMMITTED = 0;
/**
 * ISOLATION_LEVEL of kafkajs' protocol: a fetch stops at the last stable offset and lists the aborted
 * transactions of its range, whose records it still returns (the client drops them); ListOffsets
 * answers the last stable offset.
 */
export const READ_COMMITTED = 1;
/** ListOffsets timestamps. */
export const EARLIEST_OFFSET = -2;
export const LATEST_OFFSET = -1;

const CREATE_CLUSTER = 'private:Kafka:createCluster';

/**
 * A new kafkajs cluster (own broker connections) configured exactly like the given Kafka
 * instance's producers and consumers (brokers, ssl, sasl, retry, logger).
 */
export function createCluster(kafka: Kafka, options: { isolationLevel?: number; metadataMaxAge?: number } = {}): InternalCluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === CREATE_CLUSTER);
  const factory = symbol ? (kafka as unknown as Record<symbol, unknown>)[symbol] : undefined;
  if (typeof factory !== 'function') {
    throw new GokaError('@goka-ts/kafkajs needs kafkajs 2.2.4 exactly: the installed kafkajs has no internal cluster factory');
  }
  const cluster = (factory as (o: object) => InternalCluster)({
    allowAutoTopicCreation: false,
    isolationLevel: options.isolationLevel ?? READ_COMMITTED,
    metadataMaxAge: options.metadataMaxAge ?? 300000,
  });
  for (const method of ['connect', 'disconnect', 'getNodeIds', 'findBroker', 'refreshMetadata', 'findGroupCoordinator'] as const) {
    if (typeof cluster[method] !== 'function') {
      throw new GokaError(`@goka-ts/kafkajs needs kafkajs 2.2.4 exactly: the internal cluster has no ${method}()`);
    }
  }
  return cluster;
}
