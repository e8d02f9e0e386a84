import { Consumer, kPerformDeduplicated, type CallbackWithPromise } from '@platformatic/kafka';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the base method is generic over its result
type Deduplicated = (operationId: string, operation: (callback: any) => void, callback: any) => unknown;

/**
 * A platformatic consumer that runs a hook right before every JoinGroup it sends, including the
 * rejoins platformatic starts on its own when a heartbeat reports a rebalance. platformatic has no
 * revocation callback; every join passes through its deduplicated-operation helper under the id
 * `"joinGroup"`, which is where the hook waits. The member's old generation is still valid there,
 * so partitions are revoked (and their offsets committed) before any other member can get them.
 */
export class RevocableConsumer extends Consumer {
  /** Runs (and finishes) before each JoinGroup; a rejection fails that join. */
  beforeJoin: (() => Promise<void>) | null = null;

  override [kPerformDeduplicated]<R>(
    operationId: string,
    operation: (callback: CallbackWithPromise<R>) => void,
    callback: CallbackWithPromise<R>,
  ): void | Promise<R> {
    const hook = this.beforeJoin;
    const base = super[kPerformDeduplicated] as unknown as Deduplicated;
    if (operationId !== 'joinGroup' || !hook) return base.call(this, operationId, operation, callback) as void | Promise<R>;
    hook().then(
      () => base.call(this, operationId, operation, callback),
      (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
    );
  }
}
