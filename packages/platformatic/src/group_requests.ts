import { GokaError } from '@goka-ts/api';
import { kGetApi, kGetConnection, type Consumer } from '@platformatic/kafka';

type Api = (connection: unknown, ...args: unknown[]) => void;
interface WithInternals {
  [kGetApi](name: string, callback: (error: Error | null, api?: Api) => void): void;
  [kGetConnection](broker: unknown, callback: (error: Error | null, connection?: unknown) => void): void;
}

/**
 * Sends one request to the group coordinator with the consumer's own connection, once, without
 * platformatic's rejoin-and-retry: a commit refused for a stale generation must fail, not be
 * retried under the next generation for partitions that may belong to another member by then.
 */
export async function coordinatorRequest<T>(consumer: Consumer, apiName: string, args: readonly unknown[]): Promise<T> {
  const c = consumer as unknown as WithInternals;
  const coordinatorId = await consumer.findGroupCoordinator();
  const metadata = await consumer.metadata({ topics: [] });
  const broker = metadata.brokers.get(coordinatorId);
  if (!broker) throw new GokaError(`group coordinator ${coordinatorId} is not in the cluster metadata`);
  const connection = await new Promise<unknown>((resolve, reject) => c[kGetConnection](broker, (err, conn) => (err ? reject(err) : resolve(conn))));
  const api = await new Promise<Api>((resolve, reject) => c[kGetApi](apiName, (err, a) => (err ? reject(err) : resolve(a!))));
  return new Promise<T>((resolve, reject) => api(connection, ...args, (err: Error | null, response?: T) => (err ? reject(err) : resolve(response as T))));
}

/** A heartbeat for the consumer's current generation. */
export function heartbeat(consumer: Consumer): Promise<unknown> {
  return coordinatorRequest(consumer, 'Heartbeat', [consumer.groupId, consumer.generationId, consumer.memberId, consumer.groupInstanceId]);
}

/** Commits next offsets to read under the consumer's current generation. */
export function commitOffsets(consumer: Consumer, offsets: ReadonlyArray<{ topic: string; partition: number; offset: number }>): Promise<unknown> {
  const topics = new Map<string, { name: string; partitions: unknown[] }>();
  for (const o of offsets) {
    let t = topics.get(o.topic);
    if (!t) topics.set(o.topic, (t = { name: o.topic, partitions: [] }));
    t.partitions.push({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: -1, committedMetadata: null });
  }
  return coordinatorRequest(consumer, 'OffsetCommit', [consumer.groupId, consumer.generationId, consumer.memberId, consumer.groupInstanceId, [...topics.values()]]);
}
