/**
 * Something whose completion waits for asynchronous effects (emits, table writes, deferred commits):
 * a message's context, or a visitor run. Each effect calls {@link hold} when started and
 * {@link release} when acknowledged, or {@link effectFailed} instead.
 */
export interface EffectHolder {
  hold(): void;
  release(): void;
  /** An effect failed; `what` names it for the error message, e.g. `emit to topic "x"`. */
  effectFailed(what: string, error: unknown): void;
  /**
   * The table write generation this holder last registered with (see TableWriteBuffer); lets the
   * buffer hold a message once per generation however often it writes. Starts at 0.
   */
  writeGeneration: number;
  /**
   * Holders that finish in order within a scope (the messages of one commit tracker: `holdScope` is
   * the tracker, `holdOrder` the message's sequence number). Waiting on the lowest-ordered holder of a
   * scope delays every later one just as well, so a table write generation holds only that one
   * instead of every message that wrote in it (no per-message bookkeeping, and contexts are not kept
   * alive until the generation is applied). Holders without a scope are each held.
   */
  readonly holdScope?: object;
  readonly holdOrder?: number;
}

/** An effect holder that can also fail the processor with a message-specific error (and throw it). */
export interface EffectOwner extends EffectHolder {
  /** Fails the processor with `error` (`reason` is the text shown) and throws, ending the callback. */
  fail(error: unknown, reason?: string): never;
}
