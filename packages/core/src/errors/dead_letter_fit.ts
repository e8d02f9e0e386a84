import { RecordTooLargeError, type Headers, type ProducerRecord } from '@goka-ts/api';
import { DEAD_LETTER_HEADERS, DEAD_LETTER_TRUNCATION_HEADERS } from './dead_letter_headers';
import { recordBytes } from '../codecs/message_size';

/**
 * Kafka's default `max.message.bytes` of a topic (1 MiB + 12), assumed when a topic's own setting is
 * not known.
 */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/**
 * Bytes kept free under a limit for what {@link recordBytes} does not count: the record batch
 * header (61 bytes) and the record's own framing (length, attributes, deltas and length varints,
 * at most about 30). The limits apply to the whole batch on the wire, not to key and value alone.
 */
export const RECORD_FRAMING_BYTES = 512;
/** Length varints of one header's name and value, generously. */
export const HEADER_FRAMING_BYTES = 16;

/** What a dead letter lost to fit, in the order it is given up: value first, original headers next, the key last. */
export type DeadLetterPart = 'value' | 'headers' | 'key';

/** A dead letter as it is sent: whole, or cut to fit its topic. */
export interface FittedDeadLetter {
  readonly record: ProducerRecord;
  /** Empty when the dead letter is whole. */
  readonly truncated: readonly DeadLetterPart[];
}

/** Each rejection by the client or broker lowers a topic's limit to this share of the rejected record's size. */
const REJECTED_SHARE = 0.75;

/** A dead-letter topic's limit and where it comes from (for `goka.dlq.truncated.reason`). */
interface TopicLimit {
  /** The topic's `max.message.bytes` it was derived from; a new setting starts over. */
  readonly topicMax: number;
  readonly bytes: number;
  readonly source: string;
}

/**
 * The size limits of a processor's dead-letter topics: the smaller of `maxMessageBytes` (the
 * producer's limit) and the topic's `max.message.bytes`, lowered when the client or broker still
 * rejects a dead letter as too large (compression that grows the value, a broker-wide
 * `message.max.bytes` below the topic's, a producer limit below `maxMessageBytes`).
 *
 * One per processor, so a lowered limit outlives restarts: in exactly-once mode a rejection aborts
 * the transaction, and the restarted processor must not send the same dead letter again.
 */
export class DeadLetterLimits {
  private readonly limits = new Map<string, TopicLimit>();

  constructor(private readonly maxMessageBytes: number) {}

  /**
   * Records a dead-letter topic's `max.message.bytes` (undefined: not known, Kafka's default is
   * assumed). A limit lowered by a rejection stays until the topic's setting changes.
   */
  setTopic(topic: string, maxMessageBytes: number | undefined): void {
    const known = maxMessageBytes !== undefined && Number.isFinite(maxMessageBytes) && maxMessageBytes > 0;
    const topicMax = known ? maxMessageBytes : KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
    if (this.limits.get(topic)?.topicMax === topicMax) return;
    this.limits.set(topic, this.initial(topicMax, known));
  }

  /** Bytes a dead letter of `topic` may take on the wire (see {@link wireBytes}). */
  limit(topic: string): number {
    return this.entry(topic).bytes;
  }

  /**
   * The client or broker rejected `fitted` (a dead letter of its topic) as too large: lowers the
   * topic's limit below its size.
   * @returns false when the record had nothing left to give up: no smaller one can be made.
   */
  rejected(fitted: FittedDeadLetter): boolean {
    const { record } = fitted;
    const empty = (b: Buffer | null) => b === null || b.length === 0;
    const own = new Set<string>([...Object.values(DEAD_LETTER_HEADERS), ...Object.values(DEAD_LETTER_TRUNCATION_HEADERS)]);
    const bare = empty(record.key) && empty(record.value) && Object.keys(record.headers ?? {}).every((name) => own.has(name));
    if (bare) return false;
    const size = wireBytes(record);
    const entry = this.entry(record.topic);
    const bytes = Math.min(entry.bytes, Math.floor(size * REJECTED_SHARE));
    this.limits.set(record.topic, { topicMax: entry.topicMax, bytes, source: `lowered to ${bytes} after the client or broker rejected a dead letter of ${size} bytes as too large` });
    return true;
  }

  /**
   * `record`, a dead letter built by `deadLetterRecord`, cut to fit its topic's limit (see
   * {@link fitDeadLetter}), or a RecordTooLargeError when even its `goka.dlq.*` headers do not fit.
   */
  fit(record: ProducerRecord): FittedDeadLetter | RecordTooLargeError {
    const { bytes, source } = this.entry(record.topic);
    return fitDeadLetter(record, bytes, source);
  }

  private entry(topic: string): TopicLimit {
    return this.limits.get(topic) ?? this.initial(KAFKA_DEFAULT_MAX_MESSAGE_BYTES, false);
  }

  private initial(topicMax: number, known: boolean): TopicLimit {
    const topicSource = known ? `the topic's max.message.bytes ${topicMax}` : `Kafka's default max.message.bytes ${topicMax}`;
    return topicMax <= this.maxMessageBytes ? { topicMax, bytes: topicMax, source: topicSource } : { topicMax, bytes: this.maxMessageBytes, source: `maxMessageBytes ${this.maxMessageBytes}` };
  }
}

/** {@link recordBytes} plus the framing a record takes on the wire at most. */
export function wireBytes(record: Pick<ProducerRecord, 'key' | 'value' | 'headers'>): number {
  const headers = record.headers ? Object.keys(record.headers).length : 0;
  return RECORD_FRAMING_BYTES + headers * HEADER_FRAMING_BYTES + recordBytes(record.key, record.value, record.headers);
}

/**
 * Cuts a dead letter (as `deadLetterRecord` builds it) to `limit` bytes on the wire (see
 * {@link wireBytes}), giving up as little as it can: first the value is truncated to its first
 * bytes, then the original headers are dropped as well, and last the key is truncated (the value
 * then empty). What was given up is named in `goka.dlq.truncated`, with the original record's size
 * and the reason (`source` names where `limit` comes from); the `goka.dlq.*` headers naming where
 * the record came from and why it failed always stay.
 *
 * A value is cut rather than dropped: its first bytes often show what the record was. A cut value
 * may be empty but is never null (a tombstone); a null value stays null.
 *
 * @returns the record as it is when it fits, or a RecordTooLargeError when even the `goka.dlq.*`
 * headers alone exceed `limit`.
 */
export function fitDeadLetter(record: ProducerRecord, limit: number, source = `limit ${limit}`): FittedDeadLetter | RecordTooLargeError {
  const size = wireBytes(record);
  if (size <= limit) return { record, truncated: [] };
  const reason = `the dead letter takes ${size} bytes, over the ${limit} bytes that dead-letter topic "${record.topic}" takes (${source}, framing included)`;
  const own: Headers = {};
  const others: Headers = {};
  const dlq = new Set<string>([...Object.values(DEAD_LETTER_HEADERS), ...Object.values(DEAD_LETTER_TRUNCATION_HEADERS)]);
  for (const [name, value] of Object.entries(record.headers ?? {})) (dlq.has(name) ? own : others)[name] = value;
  const info = (truncated: readonly DeadLetterPart[]): Headers => ({
    [DEAD_LETTER_TRUNCATION_HEADERS.truncated]: Buffer.from(truncated.join(','), 'utf8'),
    [DEAD_LETTER_TRUNCATION_HEADERS.originalSize]: Buffer.from(String(recordBytes(record.key, record.value, record.headers)), 'utf8'),
    [DEAD_LETTER_TRUNCATION_HEADERS.reason]: Buffer.from(reason, 'utf8'),
  });
  const value = record.value;
  const key = record.key;

  // Each step gives up one more part; the value (then the key) takes what room is left. The room is
  // counted with the longest `goka.dlq.truncated` of the step, so a shorter one fits as well.
  const steps: { readonly kept: Headers; readonly parts: readonly DeadLetterPart[] }[] = [
    { kept: { ...others, ...own }, parts: ['value'] },
    { kept: own, parts: ['value', 'headers'] },
  ];
  for (const { kept, parts } of steps) {
    const room = limit - wireBytes({ key, value: null, headers: { ...kept, ...info(parts) } });
    if (room < 0) continue;
    const cut = value !== null && value.length > room;
    const truncated = cut ? parts : parts.filter((p) => p !== 'value');
    return { record: { ...record, value: cut ? value.subarray(0, room) : value, headers: { ...kept, ...info(truncated) } }, truncated };
  }
  const parts: DeadLetterPart[] = ['value', 'headers', 'key'];
  const room = limit - wireBytes({ key: null, value: value === null ? null : Buffer.alloc(0), headers: { ...own, ...info(parts) } });
  if (room >= 0 && key !== null) {
    const truncated = value !== null && value.length > 0 ? parts : parts.filter((p) => p !== 'value');
    return { record: { ...record, key: key.subarray(0, room), value: value === null ? null : value.subarray(0, 0), headers: { ...own, ...info(truncated) } }, truncated };
  }
  return new RecordTooLargeError(record.topic, key === null ? '' : key.toString('utf8'), size, limit, {
    detail: `without value, original headers and key, the dead letter's goka.dlq.* headers still exceed what dead-letter topic "${record.topic}" takes (${source})`,
  });
}

/**
 * Whether the client or broker rejected a record as too large: a RecordTooLargeError, also as the
 * cause of another error (adapters map their clients' "message too large" answers to it).
 */
export function isRecordTooLarge(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof RecordTooLargeError) return true;
  }
  return false;
}
