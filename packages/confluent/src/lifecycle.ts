import { StateError } from '@goka-ts/api';

export type LifecycleState = 'idle' | 'connecting' | 'connected' | 'closing' | 'closed';

/**
 * Connect-once / close-once bookkeeping of a producer: concurrent `connect` calls share one
 * attempt, a failed attempt may be retried, `close` waits for an attempt in progress, and nothing
 * reopens a closed component.
 */
export class Lifecycle {
  state: LifecycleState = 'idle';
  private connecting?: Promise<void>;
  private closing?: Promise<void>;

  constructor(private readonly what: string) {}

  connect(open: () => Promise<void>): Promise<void> {
    if (this.state === 'connected') return Promise.resolve();
    if (this.state === 'connecting') return this.connecting!;
    if (this.state !== 'idle') return Promise.reject(new StateError(`${this.what} is closed`));
    this.state = 'connecting';
    this.connecting = open().then(
      () => {
        if (this.state === 'connecting') this.state = 'connected';
      },
      (err: unknown) => {
        if (this.state === 'connecting') this.state = 'idle';
        throw err;
      },
    );
    return this.connecting;
  }

  /** Runs `shut` once, after a connect attempt in progress has settled. */
  close(shut: () => Promise<void>): Promise<void> {
    if (this.closing) return this.closing;
    const previous = this.state;
    this.state = 'closing';
    this.closing = (async () => {
      if (previous === 'connecting') await this.connecting!.catch(() => undefined);
      try {
        await shut();
      } finally {
        this.state = 'closed';
      }
    })();
    return this.closing;
  }

  /** Why a call that needs a connection cannot proceed, or undefined when connected. */
  notConnected(): StateError | undefined {
    if (this.state === 'connected') return undefined;
    return new StateError(this.state === 'idle' || this.state === 'connecting'
      ? `${this.what} is not connected: call connect() first`
      : `${this.what} is closed`);
  }
}
