import { GokaError, UnknownTopicError, type Headers, type KafkaMessage, type ProducerRecord, type TopicDescription } from '@goka-ts/api';
import { DEAD_LETTER_HEADERS, DEAD_LETTER_TRUNCATION_HEADERS } from './dead_letter_headers';
import type { DeadLetterLimits, DeadLetterPart } from './dead_letter_fit';
import { deadLetterTopicOf, type ErrorPolicy, type MessageFailure } from './error_policy';
import type { GroupGraph } from '../graph/graph';
import type { TopicManager } from '../topics/topic_manager';

/** Longest error message kept in a header: some errors quote the whole bad value. */
const MAX_ERROR_MESSAGE_CHARS = 2000;

/**
 * The record that parks `failure` in `topic`: the original key and value bytes, the original
 * headers plus {@link DEAD_LETTER_HEADERS} (which replace same-named originals, so a record parked
 * twice names its latest failure). It may exceed the topic's limit; `DeadLetterLimits.fit` cuts it.
 *
 * Partition: the input partition modulo the dead-letter topic's partition count. Keys may be
 * absent or not UTF-8, and a hash of them would scatter one input partition's failures over every
 * partition; this way they stay in input order, and with equal partition counts (the default for
 * created topics) partition p's failures are in partition p.
 */
export function deadLetterRecord(failure: MessageFailure, topic: string, partitions: number): ProducerRecord {
  const cause = failure.error.cause;
  const text = (value: string | number) => Buffer.from(String(value), 'utf8');
  const reason = failure.error.reason;
  const headers: Headers = {
    ...failure.headers,
    [DEAD_LETTER_HEADERS.topic]: text(failure.topic),
    [DEAD_LETTER_HEADERS.partition]: text(failure.partition),
    [DEAD_LETTER_HEADERS.offset]: text(failure.offset),
    [DEAD_LETTER_HEADERS.timestamp]: text(failure.timestamp),
    [DEAD_LETTER_HEADERS.group]: text(failure.group),
    [DEAD_LETTER_HEADERS.errorClass]: text(errorClass(cause)),
    [DEAD_LETTER_HEADERS.errorMessage]: text(reason.length > MAX_ERROR_MESSAGE_CHARS ? `${reason.slice(0, MAX_ERROR_MESSAGE_CHARS)}…` : reason),
  };
  return { topic, partition: failure.partition % partitions, key: failure.key, value: failure.value, headers };
}

/** A record of a dead-letter topic, read back. */
export interface DeadLetter {
  /** The original key and value bytes (their first bytes when {@link truncated} names them). */
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** The original headers (without the `goka.dlq.*` ones; none when {@link truncated} names `headers`). */
  readonly headers: Headers;
  /** Where the original record was, and which group failed on it. */
  readonly source: { readonly group: string; readonly topic: string; readonly partition: number; readonly offset: number; readonly timestamp: number };
  readonly error: { readonly class: string; readonly message: string };
  /** Where the dead-letter record itself is. */
  readonly record: { readonly topic: string; readonly partition: number; readonly offset: number };
  /**
   * Set when the dead letter was cut to fit its topic: the parts given up, the original record's
   * size (bytes of key, value and headers) and why. Undefined for a whole dead letter.
   */
  readonly truncated?: { readonly parts: readonly DeadLetterPart[]; readonly originalSize: number; readonly reason: string };
}

/**
 * Reads a record of a dead-letter topic (to inspect or replay it).
 * @throws {GokaError} when a `goka.dlq.*` header is missing: the record was not written by goka-ts' error policy.
 */
export function readDeadLetter(message: KafkaMessage): DeadLetter {
  const headers: Headers = {};
  const own = new Set<string>([...Object.values(DEAD_LETTER_HEADERS), ...Object.values(DEAD_LETTER_TRUNCATION_HEADERS)]);
  for (const [name, value] of Object.entries(message.headers)) if (!own.has(name)) headers[name] = value;
  const get = (name: string): string => {
    const value = message.headers[name];
    if (value === undefined) {
      throw new GokaError(`topic "${message.topic}", partition ${message.partition}, offset ${message.offset}: header "${name}" is missing; not a goka-ts dead-letter record`);
    }
    return value.toString('utf8');
  };
  const H = DEAD_LETTER_HEADERS;
  const T = DEAD_LETTER_TRUNCATION_HEADERS;
  const truncated =
    message.headers[T.truncated] === undefined
      ? undefined
      : { parts: get(T.truncated).split(',').filter(Boolean) as DeadLetterPart[], originalSize: Number(get(T.originalSize)), reason: get(T.reason) };
  return {
    key: message.key,
    value: message.value,
    headers,
    source: { group: get(H.group), topic: get(H.topic), partition: Number(get(H.partition)), offset: Number(get(H.offset)), timestamp: Number(get(H.timestamp)) },
    error: { class: get(H.errorClass), message: get(H.errorMessage) },
    record: { topic: message.topic, partition: message.partition, offset: message.offset },
    ...(truncated ? { truncated } : {}),
  };
}

/**
 * Makes sure the dead-letter topics exist, records their partition counts in `into` and their
 * `max.message.bytes` in `limits`. A missing topic is created like a stream topic with
 * `partitions` partitions; an existing one is taken as it is (any partition count works, see
 * {@link deadLetterRecord}).
 */
export async function prepareDeadLetterTopics(tm: TopicManager, topics: Iterable<string>, partitions: number, into: Map<string, number>, limits: DeadLetterLimits): Promise<void> {
  for (const topic of topics) {
    let description: TopicDescription;
    try {
      description = await tm.describe(topic);
    } catch (error) {
      if (!(error instanceof UnknownTopicError)) throw error;
      await tm.ensureStream(topic, partitions);
      description = await tm.describe(topic);
    }
    into.set(topic, description.partitions);
    const max = description.config['max.message.bytes'];
    limits.setTopic(topic, max === undefined ? undefined : Number(max));
  }
}

function errorClass(error: unknown): string {
  if (error instanceof Error) return error.constructor?.name || error.name || 'Error';
  return error === null ? 'null' : typeof error;
}

/**
 * Every dead-letter topic the group may write: those of fixed policies (processor and edges) and
 * `deadLetterTopics` (for decider functions).
 * @throws {GokaError} for a dead-letter topic the group consumes or owns: its failures would come back to it.
 */
export function deadLetterTopics(graph: GroupGraph, options: { readonly onError: ErrorPolicy; readonly deadLetterTopics: readonly string[] }): Set<string> {
  const topics = new Set<string>(options.deadLetterTopics);
  const fixed = deadLetterTopicOf(options.onError);
  if (fixed) topics.add(fixed);
  for (const input of graph.inputs) {
    const own = deadLetterTopicOf(input.onError);
    if (own) topics.add(own);
  }
  const consumed = new Set([...graph.inputs.map((i) => i.topic), ...(graph.tableTopic ? [graph.tableTopic] : [])]);
  for (const topic of topics) {
    if (consumed.has(topic)) {
      throw new GokaError(`group "${graph.group}": dead-letter topic "${topic}" is an input or the table of the group itself; failed messages would come back to it. Use a topic of its own`);
    }
  }
  return topics;
}
