import { StateError, type ComponentState, type Logger } from '@goka-ts/api';
import { describeError } from './errors/describe_error';

/** Called on every state change of a component, with the new and the previous state. */
export type StateListener = (state: ComponentState, previous: ComponentState) => void;

/** Options of {@link ComponentLifecycle.waitFor}. */
export interface WaitForStateOptions {
  /**
   * Reject at once when the component already ended (`stopped` / `failed`) instead of waiting for
   * its next run to reach the state. Default false.
   */
  readonly rejectWhenEnded?: boolean;
}

interface Waiter {
  readonly target: ComponentState;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The state of a Processor, View or Emitter: its transitions, the listeners told of them and the
 * promises waiting for a state. A listener that throws is logged and does not keep the others (or
 * the component) from going on: the component's own work must not depend on its observers.
 */
export class ComponentLifecycle {
  private current: ComponentState = 'idle';
  private readonly listeners = new Set<StateListener>();
  private waiters: Waiter[] = [];

  /**
   * @param name how errors name the component, e.g. `processor "counter"`.
   * @param logger where a throwing listener is reported.
   */
  constructor(
    readonly name: string,
    private readonly logger: Logger,
  ) {}

  get state(): ComponentState {
    return this.current;
  }

  /** Calls `listener` on every state change; returns the function that removes it. */
  onStateChange(listener: StateListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /**
   * Moves to `state`, tells the listeners and settles the waiters: those for `state` resolve; on
   * `stopped` / `failed` the others reject, with `failure` when given, else a StateError saying the
   * component ended first. Returns false when the component already was in `state` (nothing happens).
   */
  set(state: ComponentState, failure?: unknown): boolean {
    const previous = this.current;
    if (previous === state) return false;
    this.current = state;
    for (const listener of [...this.listeners]) {
      try {
        listener(state, previous);
      } catch (error) {
        this.logger.warn('a state listener threw', { component: this.name, state, previous, error: describeError(error) });
      }
    }
    this.settle(state, failure);
    return true;
  }

  /**
   * Resolves when the component reaches `target` (at once when it is there); rejects when it stops
   * or fails first (see {@link set}), or at once with `rejectWhenEnded` when it already ended.
   */
  waitFor(target: ComponentState, options: WaitForStateOptions = {}): Promise<void> {
    const state = this.current;
    if (state === target) return Promise.resolve();
    if (options.rejectWhenEnded && isEnded(state)) return Promise.reject(new StateError(`${this.name} is ${state}`));
    return new Promise((resolve, reject) => this.waiters.push({ target, resolve, reject }));
  }

  private settle(state: ComponentState, failure: unknown): void {
    if (this.waiters.length === 0) return;
    const ended = isEnded(state);
    const keep: Waiter[] = [];
    const settled: Waiter[] = [];
    for (const waiter of this.waiters) (waiter.target === state || ended ? settled : keep).push(waiter);
    this.waiters = keep;
    for (const waiter of settled) {
      if (waiter.target === state) waiter.resolve();
      else waiter.reject(failure ?? new StateError(`${this.name} ${state} before it was ${waiter.target}`));
    }
  }
}

function isEnded(state: ComponentState): boolean {
  return state === 'stopped' || state === 'failed';
}
