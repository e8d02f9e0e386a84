/** What processors and views have in common for starting and stopping them. */
export interface RunnableComponent {
  run(): Promise<void>;
  stop(): unknown;
  waitRunning(): Promise<void>;
}

/**
 * Runs a set of processors and views together: starts them, waits until all are running, surfaces
 * the first failure, and stops them in reverse order. One component failing is an application error
 * (the examples have no sensible way to continue without it), so `failure` rejects with it.
 */
export class Components {
  private readonly running: { name: string; component: RunnableComponent; done: Promise<void> }[] = [];
  private rejectFailure!: (error: Error) => void;
  private stopping = false;

  /** Rejects when a component's `run()` rejects (not on a graceful stop). Never resolves. */
  readonly failure: Promise<never> = new Promise<never>((_, reject) => {
    this.rejectFailure = reject;
  });

  constructor() {
    // Callers race against `failure`; without one the rejection must not crash the process unnoticed.
    this.failure.catch(() => undefined);
  }

  /** Starts a component; `name` appears in error messages. */
  start(name: string, component: RunnableComponent): void {
    const done = component.run().catch((error: unknown) => {
      const wrapped = new Error(`${name} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      if (!this.stopping) this.rejectFailure(wrapped);
      throw wrapped;
    });
    // Errors are read through `failure` and `stop()`; keep Node from reporting them twice.
    done.catch(() => undefined);
    this.running.push({ name, component, done });
  }

  /** Resolves when every started component is running; rejects with the first failure instead. */
  async waitRunning(): Promise<void> {
    await Promise.race([Promise.all(this.running.map((entry) => entry.component.waitRunning())), this.failure]);
  }

  /** Stops every component at once and rethrows the first error any of them ended with. */
  async stop(): Promise<void> {
    this.stopping = true;
    const entries = this.running.splice(0);
    const results = await Promise.allSettled(
      entries.map(async (entry) => {
        await entry.component.stop();
        await entry.done;
      }),
    );
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
