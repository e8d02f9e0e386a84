import type { ActionSpec } from './sources';

/** What the actions page shows of an action. */
export interface ActionStatus {
  readonly name: string;
  readonly description: string;
  readonly state: 'idle' | 'running' | 'stopping' | 'done' | 'stopped' | 'failed';
  /** The value of the last start. */
  readonly value?: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly error?: string;
}

/** Runs one action at a time per name; a start while it runs is refused, a stop aborts it and waits for it to end. */
export class ActionRunner {
  private status: ActionStatus;
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;

  constructor(readonly name: string, private readonly spec: ActionSpec) {
    this.status = { name, description: spec.description ?? '', state: 'idle' };
  }

  get current(): ActionStatus {
    return this.status;
  }

  /** Starts the action; false when it is running already. */
  start(value: string): boolean {
    if (this.running) return false;
    const abort = new AbortController();
    this.abort = abort;
    this.status = { name: this.name, description: this.status.description, state: 'running', value, startedAt: new Date().toISOString() };
    const finish = (state: ActionStatus['state'], error?: unknown) => {
      this.status = {
        ...this.status,
        state,
        endedAt: new Date().toISOString(),
        ...(error === undefined ? {} : { error: error instanceof Error ? error.message : String(error) }),
      };
      this.running = undefined;
      this.abort = undefined;
    };
    this.running = (async () => this.spec.run(value, abort.signal))().then(
      () => finish(abort.signal.aborted ? 'stopped' : 'done'),
      (error: unknown) => finish(abort.signal.aborted ? 'stopped' : 'failed', abort.signal.aborted ? undefined : error),
    );
    return true;
  }

  /** Aborts a running action and waits until it ended. */
  async stop(): Promise<void> {
    if (!this.running || !this.abort) return;
    this.status = { ...this.status, state: 'stopping' };
    this.abort.abort();
    await this.running;
  }
}
