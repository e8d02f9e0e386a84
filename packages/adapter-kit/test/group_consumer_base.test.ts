import { GokaError, StateError, type GroupHandler, type TopicPartitionOffset } from '@goka-ts/api';
import { GroupConsumerBase } from '../src';

/** A client that joins at once with `partitions`, recording what the base asks of it. */
class FakeConsumer extends GroupConsumerBase {
  readonly calls: string[] = [];
  isJoined = false;
  commitFailure?: Error;

  constructor(private readonly partitions: readonly number[]) {
    super({ groupId: 'g', topics: ['a', 'b'] }, { client: 'fake', cooperativeRefusal: 'no cooperative' });
  }

  /** A join as the client would report it. */
  join(assignment: Array<[string, number[]]>): Promise<void> {
    const partitions = this.assignedPartitions(assignment);
    this.setOwned(partitions);
    this.assigning = this.handler.onAssigned(partitions);
    return this.assigning;
  }

  beforeJoin(): Promise<void> {
    return this.whileRevoking(() => this.relinquish());
  }

  announced(): readonly number[] {
    return this.previous;
  }

  protected async start(): Promise<void> {
    this.calls.push('start');
    this.isJoined = true;
    await this.join([['a', [...this.partitions]], ['b', [...this.partitions]], ['other', [9]]]);
  }
  protected async drain(): Promise<void> {
    this.calls.push('drain');
  }
  protected async stopClients(): Promise<void> {
    this.calls.push('stop');
  }
  protected joined(): boolean {
    return this.isJoined;
  }
  protected async commitOffsets(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (this.commitFailure) throw this.commitFailure;
    this.calls.push(`commit ${offsets.map((o) => `${o.topic}/${o.partition}@${o.offset}`).join(' ')}`);
  }
  protected pauseChanged(topic: string, partition: number, paused: boolean): void {
    this.calls.push(`${paused ? 'pause' : 'resume'} ${topic}/${partition}`);
  }
  protected released(partitions: readonly number[], unpaused: ReadonlyMap<string, readonly number[]>): void {
    this.calls.push(`release ${partitions.join(',')} unpause ${[...unpaused].map(([t, ps]) => `${t}/${ps.join(',')}`).join(' ')}`.trim());
  }
  protected clientError(err: unknown, operation: string): Error {
    return new GokaError(`${operation} failed: ${(err as Error).message}`, { cause: err });
  }
  protected permanentJoinError(err: unknown): Error | undefined {
    return (err as Error).message === 'fenced for good' ? new GokaError('cannot join') : undefined;
  }
}

function recordingHandler(events: string[], overrides: Partial<GroupHandler> = {}): GroupHandler {
  return {
    onAssigned: async (ps) => void events.push(`assigned ${ps.join(',')}`),
    onRevoked: async (ps) => void events.push(`revoked ${ps.join(',')}`),
    onBatch: async () => undefined,
    ...overrides,
  };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupConsumerBase', () => {
  it('checks its config through resolveGroupConfig', () => {
    expect(() => new (class extends FakeConsumer {})([])).not.toThrow();
    expect(() => Reflect.construct(GroupConsumerBase, [{ groupId: 'g', topics: ['a'], cooperative: true }, { client: 'fake', cooperativeRefusal: 'no cooperative' }]))
      .toThrow('fake group consumer "g": no cooperative');
  });

  it('runs once, gates commits on the life cycle and closes gracefully', async () => {
    const consumer = new FakeConsumer([0, 2]);
    await expect(consumer.commit([{ topic: 'a', partition: 0, offset: 1 }])).rejects.toThrow(new StateError('fake group consumer "g": commit() while idle'));
    const events: string[] = [];
    const running = consumer.run(recordingHandler(events));
    await expect(consumer.run(recordingHandler([]))).rejects.toThrow(/run\(\) can be called once \(state running\)/);
    await flush();
    expect(consumer.assignment()).toEqual([0, 2]);
    expect(consumer.announced()).toEqual([0, 2]);
    await consumer.commit([]);
    await consumer.commit([{ topic: 'a', partition: 0, offset: 5 }]);
    consumer.commitFailure = new Error('coordinator moved');
    await expect(consumer.commit([{ topic: 'a', partition: 0, offset: 6 }])).rejects.toThrow('fake group consumer "g": commit failed: coordinator moved');
    consumer.isJoined = false;
    await expect(consumer.commit([{ topic: 'a', partition: 0, offset: 6 }])).rejects.toThrow(/commit\(\) before the consumer joined its group/);

    await Promise.all([consumer.close(), consumer.close()]);
    await running;
    expect(events).toEqual(['assigned 0,2', 'revoked 0,2']);
    expect(consumer.calls).toEqual(['start', 'commit a/0@5', 'drain', 'release 0,2 unpause', 'stop']);
    expect(consumer.assignment()).toEqual([]);
    await expect(consumer.commit([{ topic: 'a', partition: 0, offset: 6 }])).rejects.toThrow(/commit\(\) while closed/);
  });

  it('keeps paused partitions until they are revoked, for its own topics only', async () => {
    const consumer = new FakeConsumer([1]);
    const running = consumer.run(recordingHandler([]));
    await flush();
    consumer.pause('a', 1);
    consumer.pause('b', 1);
    consumer.resume('b', 1);
    expect(() => consumer.pause('other', 1)).toThrow('fake group consumer "g": "other" is not one of its topics (a, b)');
    await consumer.beforeJoin();
    expect(consumer.calls).toEqual(['start', 'pause a/1', 'pause b/1', 'resume b/1', 'release 1 unpause a/1']);
    await consumer.close();
    await running;
  });

  it('revokes one after the other, and fails run() once the clients stopped when onRevoked throws', async () => {
    const events: string[] = [];
    let releaseFirst!: () => void;
    const consumer = new FakeConsumer([0, 1]);
    const running = consumer.run(recordingHandler(events, {
      onRevoked: async (ps) => {
        events.push(`revoking ${ps.join(',')}`);
        if (ps.includes(0)) await new Promise<void>((resolve) => (releaseFirst = resolve));
        else throw new Error('handler broke');
        events.push(`revoked ${ps.join(',')}`);
      },
    }));
    await flush();
    const first = consumer.beforeJoin();
    await consumer.join([['a', [3]], ['b', [3]]]);
    const second = consumer.beforeJoin();
    await flush();
    expect(events).toEqual(['assigned 0,1', 'assigned 3', 'revoking 0,1']);
    releaseFirst();
    await Promise.all([first, second]);
    // The second revocation starts only once the first one settled.
    expect(events).toEqual(['assigned 0,1', 'assigned 3', 'revoking 0,1', 'revoked 0,1', 'revoking 3']);
    await expect(running).rejects.toThrow('handler broke');
    expect(consumer.calls.at(-1)).toBe('stop');
    await consumer.close();
  });

  it('fails run() with the join error no retry changes, else the mapped client error', async () => {
    const failing = (message: string) => new (class extends FakeConsumer {
      protected override async start(): Promise<void> {
        throw new Error(message);
      }
    })([]);
    await expect(failing('fenced for good').run(recordingHandler([]))).rejects.toThrow(new GokaError('cannot join'));
    await expect(failing('no route').run(recordingHandler([]))).rejects.toThrow('fake group consumer "g" failed: no route');
  });
});
