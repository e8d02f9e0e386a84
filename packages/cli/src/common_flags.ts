import { CLIENT_KINDS, type ClientKind } from './load_adapter';
import type { FlagSpec } from './command';
import { UsageError } from './usage_error';

/** Flags every command takes. */
export const COMMON_FLAGS: Readonly<Record<string, FlagSpec>> = {
  brokers: { type: 'string', valueName: 'HOST:PORT,...', description: 'Kafka bootstrap brokers (env GOKA_BROKERS, then KAFKA_BROKERS)' },
  client: { type: 'string', valueName: CLIENT_KINDS.join('|'), description: 'Kafka client adapter (default kafkajs; confluent and platformatic need @goka-ts/confluent or @goka-ts/platformatic installed)' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

/** Where to connect, from the common flags and the environment. */
export interface Connection {
  readonly brokers: readonly string[];
  readonly client: ClientKind;
}

export function connectionOf(values: Readonly<Record<string, string | boolean | undefined>>, env: NodeJS.ProcessEnv, command: string): Connection {
  const raw = (values.brokers as string | undefined) ?? env.GOKA_BROKERS ?? env.KAFKA_BROKERS ?? '';
  const brokers = raw.split(',').map((b) => b.trim()).filter((b) => b.length > 0);
  if (brokers.length === 0) throw new UsageError('no brokers: pass --brokers host:port or set GOKA_BROKERS', command);
  const bad = brokers.find((b) => !/^[^\s:]+:\d+$/.test(b));
  if (bad) throw new UsageError(`--brokers: "${bad}" is not host:port`, command);
  const client = (values.client as string | undefined) ?? 'kafkajs';
  if (!(CLIENT_KINDS as readonly string[]).includes(client)) throw new UsageError(`--client must be one of ${CLIENT_KINDS.join(', ')}, got "${client}"`, command);
  return { brokers, client: client as ClientKind };
}
