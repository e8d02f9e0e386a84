import type { Codec, Headers, KafkaMessage, KeyCodec } from '@goka-ts/api';
import { printableKey, utf8Keys } from '@goka-ts/core';

/** One record a {@link Tracker} saw, decoded with its codec. */
export interface TrackedMessage<T> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** The key as the tester's key codec decodes it (UTF-8 text by default); `null` for a record without key. */
  readonly key: string | null;
  /** The decoded value; `null` for a tombstone. */
  readonly value: T | null;
  readonly headers: Headers;
  readonly timestamp: number;
}

/**
 * What was written to one topic since tracking began, across all its partitions in the order the
 * broker appended the records. A queue: {@link next} takes the oldest record not yet taken;
 * {@link all} returns everything seen.
 *
 * ```ts
 * const out = t.track('notifications', jsonCodec<Note>());
 * await t.feed('clicks', 'user-1', click, { codec: clickCodec });
 * expect(out.next()).toMatchObject({ key: 'user-1', value: { kind: 'first-click' } });
 * out.expectEmpty();
 * ```
 */
export class Tracker<T> {
  private readonly seen: KafkaMessage[] = [];
  private taken = 0;
  private unsubscribe: (() => void) | undefined;

  /** Built by `Tester.track`, which subscribes it to the in-memory Kafka; not meant to be called directly. */
  constructor(
    readonly topic: string,
    private readonly codec: Codec<T>,
    initial: readonly KafkaMessage[],
    subscribe: (push: (messages: readonly KafkaMessage[]) => void) => () => void,
    private readonly keys: KeyCodec = utf8Keys,
  ) {
    this.seen.push(...initial);
    this.unsubscribe = subscribe((messages) => {
      for (const message of messages) if (message.topic === topic) this.seen.push(message);
    });
  }

  /** Records seen but not yet taken. */
  get size(): number {
    return this.seen.length - this.taken;
  }

  /** Takes the oldest record not yet taken; undefined when there is none. */
  next(): TrackedMessage<T> | undefined {
    if (this.taken >= this.seen.length) return undefined;
    return this.decode(this.seen[this.taken++]);
  }

  /** Takes the oldest record not yet taken; throws when there is none. */
  expectNext(): TrackedMessage<T> {
    const message = this.next();
    if (!message) throw new Error(`expected another record in topic "${this.topic}", but every one of the ${this.seen.length} seen was taken`);
    return message;
  }

  /** The oldest record not yet taken, without taking it. */
  peek(): TrackedMessage<T> | undefined {
    return this.taken < this.seen.length ? this.decode(this.seen[this.taken]) : undefined;
  }

  /** Takes every record not yet taken. */
  drain(): TrackedMessage<T>[] {
    const rest = this.seen.slice(this.taken).map((message) => this.decode(message));
    this.taken = this.seen.length;
    return rest;
  }

  /** Every record seen since tracking began, taken or not. */
  all(): TrackedMessage<T>[] {
    return this.seen.map((message) => this.decode(message));
  }

  /** Throws, listing them, when records are left that were not taken. */
  expectEmpty(): void {
    if (this.size === 0) return;
    const rest = this.seen.slice(this.taken).map((message) => describe(message));
    throw new Error(`expected no more records in topic "${this.topic}", but ${rest.length} were not taken: ${rest.join(', ')}`);
  }

  /** Stops recording new records (the tester does this on close). */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private decode(message: KafkaMessage): TrackedMessage<T> {
    let key: string | null = null;
    if (message.key !== null) {
      try {
        key = this.keys.decode(message.key);
      } catch (error) {
        throw new Error(
          `cannot decode the key of the record at topic "${message.topic}" partition ${message.partition} offset ${message.offset} with key codec "${this.keys.name}": ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
    }
    let value: T | null = null;
    if (message.value !== null) {
      try {
        value = this.codec.decode(message.value);
      } catch (error) {
        throw new Error(
          `cannot decode the record at topic "${message.topic}" partition ${message.partition} offset ${message.offset} with codec "${this.codec.name}": ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
    }
    return {
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      key,
      value,
      headers: message.headers,
      timestamp: message.timestamp,
    };
  }
}

function describe(message: KafkaMessage): string {
  const value = message.value === null ? 'null' : JSON.stringify(truncate(message.value.toString('utf8')));
  return `${message.key === null ? 'null' : JSON.stringify(printableKey(message.key))} -> ${value} (partition ${message.partition}, offset ${message.offset})`;
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
