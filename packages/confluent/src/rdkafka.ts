import * as Rd from '@confluentinc/kafka-javascript';
import type {
  KafkaConsumer, LibrdKafkaError, Message as RdMessage, Metadata, Producer as RdProducer,
  WatermarkOffsets, IAdminClient, EofEvent,
} from '@confluentinc/kafka-javascript';

export type { KafkaConsumer, LibrdKafkaError, RdMessage, Metadata, RdProducer, WatermarkOffsets, IAdminClient, EofEvent };

/** The library's runtime entry points (node-rdkafka style API). */
export const rdkafka = Rd;

/** librdkafka settings as passed to the library: any property, plus callback entries. */
export type RdConfig = Record<string, unknown>;

/**
 * Methods the library implements but does not declare in its typings. They are used by its own
 * KafkaJS-compatible layer, so they are stable for the pinned version.
 */
export interface KafkaConsumerInternals {
  setDefaultIsTimeoutOnlyForFirstMessage(value: boolean): void;
  rebalanceProtocol(): 'NONE' | 'EAGER' | 'COOPERATIVE';
  assignmentLost(): boolean;
}

export function internals(consumer: KafkaConsumer): KafkaConsumer & KafkaConsumerInternals {
  return consumer as KafkaConsumer & KafkaConsumerInternals;
}

/** Connects a producer or consumer; the library fetches metadata with the given timeout. */
export function connectClient(client: KafkaConsumer | RdProducer, timeoutMs: number): Promise<Metadata> {
  return new Promise((resolve, reject) => {
    client.connect({ timeout: timeoutMs, allTopics: false }, (err, metadata) => (err ? reject(err) : resolve(metadata)));
  });
}

/** Disconnects a client if it is connected; resolves once librdkafka released the handle. */
export function disconnectClient(client: KafkaConsumer | RdProducer): Promise<void> {
  if (!client.isConnected()) return Promise.resolve();
  return new Promise((resolve) => {
    client.disconnect(() => resolve());
  });
}

export function fetchMetadata(client: KafkaConsumer | RdProducer, topic: string | undefined, timeoutMs: number): Promise<Metadata> {
  return new Promise((resolve, reject) => {
    client.getMetadata({ topic, allTopics: topic === undefined, timeout: timeoutMs }, (err, md) => (err ? reject(err) : resolve(md)));
  });
}

export function queryWatermarks(client: KafkaConsumer, topic: string, partition: number, timeoutMs: number): Promise<WatermarkOffsets> {
  return new Promise((resolve, reject) => {
    client.queryWatermarkOffsets(topic, partition, timeoutMs, (err, offsets) => (err ? reject(err) : resolve(offsets)));
  });
}

/** One non-blocking `consume` call: returns whatever librdkafka has ready (up to `max`). */
export function consumeReady(consumer: KafkaConsumer, max: number): Promise<RdMessage[]> {
  return new Promise((resolve, reject) => {
    consumer.consume(max, (err, messages) => (err ? reject(err) : resolve(messages)));
  });
}

/** Logical offsets understood by librdkafka's assign. */
export const OFFSET_BEGINNING = -2;
export const OFFSET_END = -1;
/** librdkafka's "no offset" marker (e.g. uncommitted, unknown watermark). */
export const OFFSET_INVALID = -1001;
