/**
 * The event-loop primitives the in-memory Kafka uses, captured when the module loads so that a test
 * which later installs jest's fake timers (they replace `setImmediate` and `queueMicrotask` on the
 * global object) does not freeze message delivery.
 */
const realSetImmediate = globalThis.setImmediate;

/**
 * Resolves on the next turn of the event loop (after pending I/O and microtasks). Delivery loops
 * yield with it so that one busy partition cannot starve the others, and it keeps nothing alive
 * once it fired.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    realSetImmediate(resolve);
  });
}

/** Runs `fn` on the next turn of the event loop. */
export function onNextTurn(fn: () => void): void {
  realSetImmediate(fn);
}
