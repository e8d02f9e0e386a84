import type { ProcessorStats, ProduceResult } from '@goka-ts/api';
import { Emitter, TopicManager, View, stringCodec, type ProcessorOptions } from '@goka-ts/core';
import type { Service } from '@goka-ts/service';
import { countRecords, topicOffsets, waitProcessed } from '../progress';
import { waitFor } from '../wait';
import { blockerGroup } from './blocker';
import { collectorGroup } from './collector';
import { detectorGroup, type SpamRule } from './detector';
import { filterGroup } from './filter';
import { blockRequestCodec, blockStateCodec, feedCodec, messageCodec, type BlockState, type Message, type ReceivedMessage } from './model';
import type { MessagingTopics } from './topics';
import { translationKey } from './translate';
import { translatorGroup } from './translator';

export interface MessagingAppOptions {
  /** The service the app's components run in (client, storage, hasher, monitoring, heartbeats). */
  readonly service: Service;
  readonly topics: MessagingTopics;
  /** Partitions of the stream topics (and so of every table). Default 4. */
  readonly partitions?: number;
  readonly spamRule?: SpamRule;
  readonly feedLength?: number;
}

/**
 * The whole messaging app in one process: five processors, three views (what the HTTP API reads) and
 * three emitters (what it writes). In production each processor would usually run in its own service;
 * nothing in them depends on running together.
 */
export class MessagingApp {
  private constructor(
    readonly topics: MessagingTopics,
    private readonly service: Service,
    /** The processors, for their stats (tests and the demo wait on them). */
    readonly processors: Readonly<Record<'translator' | 'blocker' | 'collector' | 'detector' | 'filter', { stats(): ProcessorStats }>>,
    private readonly views: {
      readonly feeds: View<ReceivedMessage[]>;
      readonly blocked: View<BlockState>;
      readonly translations: View<string>;
    },
    private readonly emitters: {
      readonly sent: Emitter<Message>;
      readonly blockRequests: Emitter<{ unblock?: boolean; reason?: string }>;
      readonly translations: Emitter<string>;
    },
  ) {}

  /**
   * Creates the streams, adds every component to the service and starts it; resolves once every
   * processor and view is running. The service orders the start: the groups owning tables first
   * (their processors create the table topics; views never create topics), then the views, then the
   * filter that joins and looks up those tables.
   */
  static async start(options: MessagingAppOptions): Promise<MessagingApp> {
    const app = await MessagingApp.create(options);
    await options.service.start();
    return app;
  }

  /**
   * Creates the streams and adds every component to the service, which is not started yet: for
   * `service.run()` or `serviceMain`, which start it themselves.
   */
  static async create(options: MessagingAppOptions): Promise<MessagingApp> {
    const { service, topics } = options;
    const partitions = options.partitions ?? 4;
    const manager = await TopicManager.connect(service.client, { logger: service.logger });
    try {
      for (const topic of [topics.sent, topics.received, topics.blockRequests, topics.translations]) await manager.ensureStream(topic, partitions);
    } finally {
      await manager.close();
    }
    const processorOptions: Partial<ProcessorOptions> = {
      // Interactive: commit (and send buffered table writes) every 100 ms instead of every second,
      // and start new groups at the oldest offset, so nothing sent before a group joined is missed.
      startFrom: 'oldest',
      commitIntervalMs: 100,
      // Short session timeouts make restarts and tests on a real broker fast (6 s is Kafka's minimum).
      consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, maxWaitMs: 100 },
    };
    const processors = {
      translator: service.processor(translatorGroup(topics), processorOptions),
      blocker: service.processor(blockerGroup(topics), processorOptions),
      collector: service.processor(collectorGroup(topics, options.feedLength), processorOptions),
      detector: service.processor(detectorGroup(topics, options.spamRule), processorOptions),
      filter: service.processor(filterGroup(topics), processorOptions),
    };
    const views = {
      feeds: service.view(topics.tables.feeds, feedCodec),
      blocked: service.view(topics.tables.blocked, blockStateCodec),
      translations: service.view(topics.tables.translations, stringCodec),
    };
    const emitters = {
      sent: service.emitter(topics.sent, messageCodec),
      blockRequests: service.emitter(topics.blockRequests, blockRequestCodec),
      translations: service.emitter(topics.translations, stringCodec),
    };
    return new MessagingApp(topics, service, processors, views, emitters);
  }

  /** Rejects when any processor, view or task of the service fails; race it against what the app waits for. */
  get failure(): Promise<never> {
    return this.service.failure;
  }

  /** Sends a message (keyed by sender). */
  send(message: Message): Promise<ProduceResult> {
    return this.emitters.sent.emit(message.from, message);
  }

  block(user: string, reason?: string): Promise<ProduceResult> {
    return this.emitters.blockRequests.emit(user, reason === undefined ? {} : { reason });
  }

  unblock(user: string): Promise<ProduceResult> {
    return this.emitters.blockRequests.emit(user, { unblock: true });
  }

  /** Adds a translation; an empty translation removes the word. */
  translate(word: string, translation: string): Promise<ProduceResult> {
    return this.emitters.translations.emit(translationKey(word), translation);
  }

  /** The messages a user received, oldest first. */
  async feed(user: string): Promise<ReceivedMessage[]> {
    return (await this.views.feeds.get(user)) ?? [];
  }

  async blockState(user: string): Promise<BlockState | undefined> {
    return this.views.blocked.get(user);
  }

  async translation(word: string): Promise<string | undefined> {
    return this.views.translations.get(translationKey(word));
  }

  /** Every blocked user, with the reason when one was given. */
  async blockedUsers(): Promise<Map<string, BlockState>> {
    const out = new Map<string, BlockState>();
    for await (const [user, state] of this.views.blocked.iterator()) out.set(user, state);
    return out;
  }

  async translations(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for await (const [word, translation] of this.views.translations.iterator()) out.set(word, translation);
    return out;
  }

  /**
   * Resolves once the filter processed a sent message (by its produce result). Only demos and tests
   * need this: they want to know that a message was *dropped*, which no view can show.
   */
  async waitFiltered(sent: ProduceResult, timeoutMs?: number): Promise<void> {
    await this.race(
      waitFor(`the filter to process ${sent.topic}/${sent.partition}@${sent.offset}`, () => {
        const input = this.processors.filter.stats().partitions[sent.partition]?.input[sent.topic];
        return input !== undefined && input.lastOffset >= sent.offset;
      }, { timeoutMs }),
    );
  }

  /**
   * Resolves once everything sent so far went through the filter and every message it let through
   * is in the feeds view (the feeds must not have overflowed their length limit).
   */
  async waitDelivered(timeoutMs?: number): Promise<void> {
    await this.race(waitProcessed(this.service.client, this.processors.filter, this.topics.sent, { timeoutMs }));
    const received = await countRecords(this.service.client, this.topics.received);
    await this.race(
      waitFor(`${received} messages in the feeds`, async () => {
        let total = 0;
        for await (const [, feed] of this.views.feeds.iterator()) total += feed.length;
        return total >= received;
      }, { timeoutMs }),
    );
  }

  /** Every user's feed. */
  async feeds(): Promise<Map<string, ReceivedMessage[]>> {
    const out = new Map<string, ReceivedMessage[]>();
    for await (const [user, feed] of this.views.feeds.iterator()) out.set(user, feed);
    return out;
  }

  /**
   * Resolves once `word` -> `translation` is in the translations view and in the filter's lookup copy
   * of the table. Only demos and tests need this, to send a message that is surely translated.
   */
  async waitTranslation(word: string, translation: string, timeoutMs?: number): Promise<void> {
    await this.race(waitFor(`the translation ${word} -> ${translation}`, async () => (await this.translation(word)) === translation, { timeoutMs }));
    await this.waitFilterTable(this.topics.tables.translations, translationKey(word), 'lookup', timeoutMs);
  }

  /**
   * Resolves once `user`'s block state is `blocked` in the blocker view and in the filter's joined
   * copy of the table, so that the next message of `user` is surely filtered accordingly.
   */
  async waitBlockState(user: string, blocked: boolean, timeoutMs?: number): Promise<void> {
    await this.race(waitFor(`${user} to be ${blocked ? '' : 'un'}blocked`, async () => (await this.blockState(user)) !== undefined === blocked, { timeoutMs }));
    await this.waitFilterTable(this.topics.tables.blocked, user, 'join', timeoutMs);
  }

  /**
   * The views and the filter's own copies of a table follow the table topic independently: wait until
   * the filter's copy of the key's partition has applied everything the topic holds now.
   */
  private async waitFilterTable(table: string, key: string, kind: 'join' | 'lookup', timeoutMs?: number): Promise<void> {
    const offsets = await topicOffsets(this.service.client, table);
    const partition = this.service.hasher.partition(key, offsets.length);
    const last = (offsets.find((o) => o.partition === partition)?.newest ?? 0) - 1;
    await this.race(
      waitFor(`the filter's copy of ${table} partition ${partition} to reach offset ${last}`, () => {
        const stats = this.processors.filter.stats();
        const copy = kind === 'join' ? stats.partitions[partition]?.joined[table] : stats.lookups[table]?.partitions[partition];
        return copy !== undefined && copy.recovery.offset >= last;
      }, { timeoutMs }),
    );
  }

  /** Stops the service (emitters drain first, then processors and views); rethrows the failure it ended with. */
  async stop(): Promise<void> {
    await this.service.stop();
    if (this.service.error) throw this.service.error;
  }

  /** Waits end early when the service fails or begins to stop (with the stop signal's reason). */
  private async race<T>(promise: Promise<T>): Promise<T> {
    const signal = this.service.stopSignal;
    let onAbort: () => void = () => undefined;
    const stopping = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([promise, this.service.failure, stopping]);
    } finally {
      // The demo waits many times on one signal: leave no listener behind.
      signal.removeEventListener('abort', onAbort);
    }
  }
}
