import type { Headers } from '@goka-ts/api';

/** Options of `emit` and `loopback`. */
export interface EmitOptions {
  /** Merged over the processor's default headers. */
  readonly headers?: Headers;
}

/**
 * What a callback sees of the message it handles and the group it runs in. The type parameters come
 * from the codecs of the group's edges:
 * - `V`: the group table's value (`never` without `persist`, so `setValue` cannot be called);
 * - `O`: output topic -> value; `J`: joined table -> value; `L`: lookup table -> value;
 * - `LV`: the loop's value (`never` without `loop`).
 *
 * Calls that are wrong at run time (emit to an undeclared topic from untyped code, `setValue(null)`,
 * a value the codec cannot encode) fail the processor with an error naming the message.
 */
export interface Context<V, O, J, L, LV> {
  readonly group: string;
  readonly topic: string;
  /** The message's key as the group's key codec decodes it (`''` for a record without key). */
  readonly key: string;
  readonly partition: number;
  readonly offset: number;
  /** Record timestamp (ms since the epoch). */
  readonly timestamp: number;
  readonly headers: Headers;

  /** The group table's value for this message's key, including writes of earlier messages not yet acknowledged. */
  value(): V | undefined;
  /** Writes the group table for this key. */
  setValue(value: V): void;
  /** Deletes this key from the group table (a tombstone in the table topic). */
  delete(): void;
  /** Emits to a declared output topic, partitioned by the group's hasher. `null` emits a tombstone. */
  emit<T extends keyof O & string>(topic: T, key: string, value: O[T] | null, options?: EmitOptions): void;
  /** Sends a message to this group's loop topic; it comes back to the `loop` callback. */
  loopback(key: string, value: LV, options?: EmitOptions): void;
  /** The value of a joined (co-partitioned) table for this message's key. */
  join<T extends keyof J & string>(table: T): J[T] | undefined;
  /** Any key of a lookup table (read through a fully recovered view). */
  lookup<T extends keyof L & string>(table: T, key: string): Promise<L[T] | undefined>;
  /**
   * Fails the message with this error and ends the callback (it throws). The error policy
   * (`onError`) decides what follows; by default the processor stops and the offset stays uncommitted.
   */
  fail(error: unknown): never;
  /**
   * Keeps the message's offset uncommitted until the returned function is called (with an error to
   * fail the processor). For asynchronous work that outlives the callback.
   */
  deferCommit(): (error?: unknown) => void;
}

/** The context a visitor callback gets: the table entry's key and value, and writes to it. */
export interface VisitorContext<V, O> {
  readonly group: string;
  readonly key: string;
  readonly partition: number;
  value(): V | undefined;
  setValue(value: V): void;
  delete(): void;
  emit<T extends keyof O & string>(topic: T, key: string, value: O[T] | null, options?: EmitOptions): void;
}
