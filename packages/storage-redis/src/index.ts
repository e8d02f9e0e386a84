import type { StorageBuilder } from '@goka-ts/api';
import { StorageError } from '@goka-ts/api';
import { GivenConnection, OwnedConnection } from './redis_connection';
import type { CommandClient } from './redis_connection';
import type { RedisStorageOptions } from './redis_options';
import { RedisStorage } from './redis_storage';

export { RedisStorage } from './redis_storage';
export type { RedisStorageOptions } from './redis_options';

/**
 * Builds Redis storage: remote state that survives the process and can be read by others, at a round
 * trip per operation. Pass a URL (the storages share one client of their own, connected on the first
 * open and closed with the last) or options with `url` or an existing, connected `client`.
 */
export function redisStorage(urlOrOptions: string | RedisStorageOptions): StorageBuilder {
  const options: RedisStorageOptions = typeof urlOrOptions === 'string' ? { url: urlOrOptions } : { ...urlOrOptions };
  if ((options.url === undefined) === (options.client === undefined)) {
    throw new StorageError('redisStorage needs exactly one of a url or a client');
  }
  const connection = options.client
    ? new GivenConnection(options.client as unknown as CommandClient)
    : new OwnedConnection(options.url!, options);
  return (topic, partition) => new RedisStorage(topic, partition, connection, options);
}
