/**
 * A counter processor in its own process, for tests that kill processes: configured through
 * `GOKA_WORKER` (see {@link CounterWorkerConfig}), reporting state, assignments and progress to the
 * parent over IPC. SIGTERM / SIGINT stop it gracefully (in-flight messages finish, offsets commit),
 * as the tips page asks of every processor; SIGKILL is the crash the tests provoke.
 *
 * Run with `child_process.fork('dist/workers/counter_worker.js', { env: { GOKA_WORKER: json } })`.
 */
import fs from 'node:fs';
import { consoleLogger, Processor, silentLogger } from '@goka-ts/core';
import type { KafkaClient, Logger, TransactionalProducer } from '@goka-ts/api';
import { confluentClient } from '@goka-ts/confluent';
import { kafkajsClient } from '@goka-ts/kafkajs';
import { platformaticClient } from '@goka-ts/platformatic';
import { leveldbStorage } from '@goka-ts/storage-leveldb';
import { memoryStorage } from '@goka-ts/storage-memory';
import { counterGraph } from './counter_graph';
import { WORKER_CLIENTS, WORKER_CONFIG_ENV, type CounterWorkerConfig, type CrashPoint, type WorkerCommand, type WorkerReport } from './protocol';

function readConfig(): CounterWorkerConfig {
  const raw = process.env[WORKER_CONFIG_ENV];
  if (!raw) throw new Error(`counter worker: set ${WORKER_CONFIG_ENV} to the worker's JSON configuration`);
  const config = JSON.parse(raw) as CounterWorkerConfig;
  if (!config.brokers?.length || !config.group || !config.input) {
    throw new Error(`counter worker: ${WORKER_CONFIG_ENV} needs brokers, group and input, got ${raw}`);
  }
  return config;
}

/** Set by the parent's `announce-commit`: the next commit is reported the moment it is issued. */
let announceCommit = false;
/** Set by the parent's `crash-at`: the process kills itself at that moment of the next transaction. */
let crashAt: CrashPoint | undefined;
process.on('message', (command: WorkerCommand) => {
  if (command.type === 'announce-commit') announceCommit = true;
  if (command.type === 'crash-at') crashAt = command.point;
});

/** SIGKILLs this process if the parent asked for a crash at `point`: no code runs after it. */
function crashIfAt(point: CrashPoint): void {
  if (crashAt === point) process.kill(process.pid, 'SIGKILL');
}

/** A transactional producer that can crash the process at the moments the crash test names. */
function crashing(producer: TransactionalProducer): TransactionalProducer {
  let first = true;
  return {
    connect: () => producer.connect(),
    begin: async () => {
      await producer.begin();
      first = true;
    },
    send: async (record) => {
      const result = await producer.send(record);
      if (first) {
        first = false;
        crashIfAt('began');
      }
      return result;
    },
    sendBatch: async (records) => {
      const result = await producer.sendBatch(records);
      if (first && records.length > 0) {
        first = false;
        crashIfAt('began');
      }
      return result;
    },
    sendOffsets: (offsets, target) => producer.sendOffsets(offsets, target),
    commit: async () => {
      crashIfAt('before-commit');
      await producer.commit();
      crashIfAt('after-commit');
    },
    abort: () => producer.abort(),
    close: () => producer.close(),
  };
}

/** The client, with its group consumers reporting an announced commit right after issuing it. */
function announcingCommits(client: KafkaClient): KafkaClient {
  return {
    name: client.name,
    admin: () => client.admin(),
    producer: (config) => client.producer(config),
    transactionalProducer: (config) => crashing(client.transactionalProducer(config)),
    partitionReader: (config) => client.partitionReader(config),
    groupConsumer: (config) => {
      const consumer = client.groupConsumer(config);
      const commit = consumer.commit.bind(consumer);
      consumer.commit = (offsets) => {
        const result = commit(offsets);
        if (announceCommit && offsets.length > 0) {
          announceCommit = false;
          void report({ type: 'commit-sent' });
        }
        return result;
      };
      return consumer;
    },
  };
}

function createClient(config: CounterWorkerConfig, logger: Logger | undefined): KafkaClient {
  const brokers = [...config.brokers];
  switch (config.client ?? 'kafkajs') {
    case 'kafkajs':
      return kafkajsClient({ brokers, logger });
    case 'confluent':
      return confluentClient({ brokers, logger });
    case 'platformatic':
      return platformaticClient({ brokers, logger });
    default:
      throw new Error(`counter worker: unknown client ${JSON.stringify(config.client)} (${WORKER_CLIENTS.join(', ')})`);
  }
}

/** Sends a report to the parent; resolves once it left the channel. Without a parent (run by hand) reports go nowhere. */
function report(message: WorkerReport): Promise<void> {
  if (!process.send || !process.connected) return Promise.resolve();
  return new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));
}

async function main(): Promise<number> {
  const config = readConfig();
  const logger = process.env.GOKA_LOG_LEVEL ? consoleLogger() : silentLogger;
  let processed = 0;
  const processedFile = config.processedFile === undefined ? undefined : fs.openSync(config.processedFile, 'w');
  const count = Buffer.alloc(8);
  const onMessage = (): void => {
    processed++;
    if (processedFile === undefined) return;
    // Synchronous: once the callback returns, a SIGKILL cannot leave the file behind what the table may hold.
    count.writeDoubleLE(processed);
    fs.writeSync(processedFile, count, 0, 8, 0);
  };
  const processor = new Processor(
    counterGraph(config.group, config.input, onMessage, config.output),
    {
      client: announcingCommits(createClient(config, process.env.GOKA_LOG_LEVEL ? logger : undefined)),
      storage: config.leveldbPath ? leveldbStorage({ path: config.leveldbPath }) : memoryStorage(),
      guarantee: config.guarantee,
      startFrom: 'oldest',
      consumer: config.consumer,
      commitIntervalMs: config.commitIntervalMs,
      restart: config.restart ? { ...config.restart } : undefined, // exactly-once restarts by default
      onRebalance: (partitions) => void report({ type: 'assigned', partitions: [...partitions] }),
      logger,
    },
  );
  processor.onStateChange((state) => void report({ type: 'state', state }));

  let reported = -1;
  const progress = setInterval(() => {
    if (processed === reported) return;
    reported = processed;
    void report({ type: 'progress', processed });
  }, config.progressIntervalMs ?? 100);

  const stop = () => void processor.stop();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    await processor.run();
    clearInterval(progress);
    await report({ type: 'stopped', processed });
    return 0;
  } catch (error) {
    clearInterval(progress);
    await report({ type: 'failed', processed, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    return 1;
  }
}

main().then(
  // The processor closed its clients; exiting explicitly also ends the IPC channel.
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`counter worker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
