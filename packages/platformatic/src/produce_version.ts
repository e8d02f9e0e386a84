import { kListApis } from '@platformatic/kafka';

/**
 * The highest Produce version the adapter lets platformatic use. platformatic 1.35 misreads some
 * Produce v10/v11 responses that carry a partition error ("Out of bounds" while decoding; seen
 * with NOT_LEADER_OR_FOLLOWER right after a topic was created, 6 of 300 batches to a fresh
 * two-partition topic, none of 600 with v9). The broker has written the request's other
 * partitions by then, but the answer is lost, so the request is sent again: duplicates. v9 has the
 * same fields without KIP-951's leader hints, which the adapter does not use.
 */
export const MAX_PRODUCE_VERSION = 9;

interface ApiVersion {
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
}

type ListApis = (callback: (error: Error | null, apis: ApiVersion[]) => void) => void;

/** Caps the Produce version a platformatic client negotiates at {@link MAX_PRODUCE_VERSION}. */
export function capProduceVersion(client: object): void {
  const target = client as unknown as Record<typeof kListApis, ListApis>;
  const list = target[kListApis].bind(client);
  target[kListApis] = (callback) =>
    list((error, apis) =>
      callback(error, error ? apis : apis.map((api) => (api.name === 'Produce' && api.maxVersion > MAX_PRODUCE_VERSION ? { ...api, maxVersion: MAX_PRODUCE_VERSION } : api))),
    );
}
