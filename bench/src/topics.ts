import type { Admin, KafkaClient } from '@goka-ts/api';

/** Creates the benchmark's topics and deletes every topic it was told about at the end. */
export class BenchTopics {
  private readonly admin: Admin;
  private readonly owned = new Set<string>();
  private connected = false;

  constructor(client: KafkaClient) {
    this.admin = client.admin();
  }

  async create(topic: string, partitions: number, config?: Record<string, string>): Promise<string> {
    await this.connect();
    this.owned.add(topic);
    await this.admin.createTopic({ topic, partitions, replicationFactor: -1, config });
    return topic;
  }

  /** A topic someone else creates (a group table) that is deleted at the end too. */
  own(topic: string): void {
    this.owned.add(topic);
  }

  async close(): Promise<void> {
    if (!this.connected) return;
    const failures: string[] = [];
    for (const topic of this.owned) {
      try {
        if (await this.admin.describeTopic(topic)) await this.admin.deleteTopic(topic);
      } catch (err) {
        failures.push(`${topic}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    await this.admin.close();
    if (failures.length) throw new Error(`deleting benchmark topics failed: ${failures.join('; ')}`);
  }

  private async connect(): Promise<void> {
    if (this.connected) return;
    await this.admin.connect();
    this.connected = true;
  }
}
