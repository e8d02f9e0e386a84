import type { Admin } from '@goka-ts/api';
import { brokersFromEnv, sleep, uniqueName, waitFor } from '@goka-ts/conformance';
import { kafkajsClient, type KafkajsClient } from '../src';

export function unique(prefix: string): string {
  return uniqueName(`kjs-${prefix}`);
}

export { sleep, waitFor };

/** A client, a connected admin and the topics a test file created (deleted in teardown). */
export class Fixture {
  client!: KafkajsClient;
  admin!: Admin;
  private readonly topics: string[] = [];
  private readonly closers: Array<() => Promise<unknown>> = [];

  async setup(): Promise<void> {
    this.client = kafkajsClient({ brokers: brokersFromEnv() });
    this.admin = this.client.admin();
    await this.admin.connect();
  }

  defer(close: () => Promise<unknown>): void {
    this.closers.push(close);
  }

  async cleanup(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) await close().catch(() => undefined);
  }

  async teardown(): Promise<void> {
    await this.cleanup();
    await Promise.allSettled(this.topics.map((t) => this.admin.deleteTopic(t)));
    await this.admin?.close();
  }

  async topic(prefix: string, partitions: number, config?: Record<string, string>): Promise<string> {
    const topic = unique(prefix);
    await this.admin.createTopic({ topic, partitions, replicationFactor: 1, config });
    this.topics.push(topic);
    return topic;
  }
}
