import { GokaError, StateError } from '@goka-ts/api';
import type { Codec, Headers } from '@goka-ts/api';
import type { EmitOptions } from '../graph/context';
import type { ContextHost } from './context_impl';
import { describeError } from '../errors/describe_error';
import type { EffectOwner } from './effect_holder';
import type { GroupGraph } from '../graph/graph';
import { oversized, recordBytes } from '../codecs/message_size';
import type { PartitionTable } from '../table/partition_table';
import type { ResolvedProcessorOptions } from './processor_options';
import type { OutputBatch } from './output_batch';
import { OutputCounters } from './processor_stats';
import type { TableWriteBuffer } from '../table/table_write_buffer';

/** Something `ctx.lookup` can read any key of (a View). */
export interface LookupSource {
  get(key: string): Promise<unknown>;
}

export interface CallbackEffectsDeps {
  readonly graph: GroupGraph;
  readonly partition: number;
  readonly options: ResolvedProcessorOptions;
  /** Where emits and loopbacks go: batched to the producer, or the partition's transaction in exactly-once mode. */
  readonly output: OutputBatch;
  /** The partition's table write buffer (when the group persists). */
  readonly writes: TableWriteBuffer | undefined;
  readonly table: PartitionTable | undefined;
  readonly joined: ReadonlyMap<string, PartitionTable>;
  readonly lookups: ReadonlyMap<string, LookupSource>;
  /** Partition counts of the output topics and the loop topic. */
  readonly topicPartitions: ReadonlyMap<string, number>;
  reportFailure(error: Error): void;
}

/**
 * What a callback's context does on one partition: reads of the group table, joined tables and
 * lookups, and the effects (table writes, emits, loopbacks) with their encoding, size checks and
 * output counts. The partition processor prefetches the batch's keys here before the callbacks run
 * and owns ordering, commits and draining.
 */
export class CallbackEffects implements ContextHost {
  readonly group: string;
  readonly partition: number;
  /** Output counts per topic, counted once Kafka acknowledged the record. */
  readonly outputStats = new Map<string, OutputCounters>();
  /** Group-table values read from storage; valid while no buffered write replaces them (writes evict). */
  readonly readCache = new Map<string, Buffer | undefined>();
  /** Joined-table values of the current batch's keys (joined tables change under us, so per batch). */
  private readonly joinValues = new Map<string, Map<string, Buffer | undefined>>();
  private readonly graph: GroupGraph;
  private readonly options: ResolvedProcessorOptions;
  private readonly output: OutputBatch;
  private readonly writes: TableWriteBuffer | undefined;

  constructor(private readonly deps: CallbackEffectsDeps) {
    this.graph = deps.graph;
    this.group = deps.graph.group;
    this.partition = deps.partition;
    this.options = deps.options;
    this.output = deps.output;
    this.writes = deps.writes;
    for (const topic of deps.graph.joins.keys()) this.joinValues.set(topic, new Map());
  }

  /**
   * Reads the group table and joined tables for the batch's keys, one storage read per distinct key
   * (`undefined`: a key the key codec refused, not read).
   */
  async prefetch(keys: readonly (string | undefined)[]): Promise<void> {
    const reads: Promise<unknown>[] = [];
    const table = this.deps.table;
    const writes = this.writes;
    const cache = this.readCache;
    if (table && writes) {
      // Applied writes leave the buffer; their values stay readable from the cache, which is what
      // storage holds now, so hot keys are not read back from storage after every commit interval.
      if (cache.size > this.options.maxBufferedWrites) cache.clear();
      writes.prune(this.cacheApplied);
      const storage = table.storage;
      for (const key of keys) {
        if (key === undefined || writes.has(key) || cache.has(key)) continue;
        cache.set(key, undefined); // reserve: one read per key
        reads.push(storage.get(key).then((v) => void cache.set(key, v)));
      }
    }
    for (const [topic, joined] of this.deps.joined) {
      const values = this.joinValues.get(topic)!;
      values.clear();
      const storage = joined.storage;
      for (const key of keys) {
        if (key === undefined || values.has(key)) continue;
        values.set(key, undefined);
        reads.push(storage.get(key).then((v) => void values.set(key, v)));
      }
    }
    if (reads.length === 0) return;
    try {
      await Promise.all(reads);
    } catch (error) {
      throw new GokaError(`group "${this.group}", partition ${this.partition}: reading table values from local storage failed: ${describeError(error)}`, { cause: error });
    }
  }

  private readonly cacheApplied = (key: string, value: Buffer | null): void => {
    this.readCache.set(key, value ?? undefined);
  };

  tableValue(key: string, owner: EffectOwner): unknown {
    const codec = this.graph.tableCodec as Codec<unknown> | undefined;
    if (!codec || !this.writes) return owner.fail(new StateError('no group table'), 'ctx.value() needs a group table: add `persist` with the table codec to the group');
    let bytes = this.writes.get(key);
    if (bytes === undefined) bytes = this.readCache.get(key);
    if (bytes === undefined || bytes === null) return undefined;
    try {
      return codec.decode(bytes);
    } catch (error) {
      return owner.fail(error, `cannot decode the value of key ${JSON.stringify(key)} in table "${this.graph.tableTopic}" with codec "${codec.name}": ${describeError(error)}`);
    }
  }

  writeTable(key: string, value: unknown, remove: boolean, owner: EffectOwner): void {
    const codec = this.graph.tableCodec as Codec<unknown> | undefined;
    const call = remove ? 'ctx.delete()' : 'ctx.setValue()';
    if (!codec || !this.writes) return owner.fail(new StateError('no group table'), `${call} needs a group table: add \`persist\` with the table codec to the group`);
    let bytes: Buffer | null = null;
    if (!remove) {
      try {
        bytes = codec.encode(value);
      } catch (error) {
        return owner.fail(error, `ctx.setValue(): cannot encode the value with codec "${codec.name}" of table "${this.graph.tableTopic}": ${describeError(error)}`);
      }
      if (!Buffer.isBuffer(bytes)) {
        return owner.fail(new TypeError('codec returned no Buffer'), `ctx.setValue(): codec "${codec.name}" of table "${this.graph.tableTopic}" returned ${describeError(bytes)} instead of a Buffer`);
      }
    }
    // Key codecs write at most 3 bytes per UTF-16 unit (UTF-8; binary keys 1): the exact size is
    // computed only near the limit.
    const limit = this.options.maxMessageBytes;
    if (bytes && bytes.length + 3 * key.length > limit) {
      const tooLarge = oversized(this.graph.tableTopic!, key, bytes.length + this.graph.keyCodec.encode(key).length, limit);
      if (tooLarge) return owner.fail(tooLarge, `ctx.setValue(): ${tooLarge.message}`);
    }
    this.readCache.delete(key);
    this.writes.put(key, bytes, owner);
  }

  emit(owner: EffectOwner, topic: string, key: string, value: unknown, options: EmitOptions | undefined, loop: boolean): void {
    let codec: Codec<unknown> | undefined;
    let target = topic;
    if (loop) {
      const loopEdge = this.graph.spec.loop as { codec: Codec<unknown> } | undefined;
      if (!loopEdge || !this.graph.loopTopic) return owner.fail(new StateError('no loop'), 'ctx.loopback() needs a loop: add `loop` with a codec and callback to the group');
      codec = loopEdge.codec;
      target = this.graph.loopTopic;
    } else {
      codec = this.graph.outputs.get(topic);
      if (!codec) {
        const declared = [...this.graph.outputs.keys()].map((t) => `"${t}"`).join(', ') || 'none';
        return owner.fail(new StateError(`undeclared output ${topic}`), `ctx.emit() to undeclared topic ${JSON.stringify(topic)}; declared outputs: ${declared}`);
      }
    }
    const call = loop ? 'ctx.loopback()' : `ctx.emit() to topic "${target}"`;
    if (typeof key !== 'string') return owner.fail(new TypeError('key must be a string'), `${call}: the key must be a string, got ${typeof key}`);
    let bytes: Buffer | null = null;
    if (value !== null) {
      try {
        bytes = codec.encode(value);
      } catch (error) {
        return owner.fail(error, `${call}: cannot encode the value with codec "${codec.name}": ${describeError(error)}`);
      }
    }
    const partitions = this.deps.topicPartitions.get(target);
    if (partitions === undefined) return owner.fail(new StateError(`no partition count for ${target}`), `${call}: the partition count of the topic is unknown`);
    let keyBytes: Buffer;
    try {
      keyBytes = this.graph.keyCodec.encode(key);
    } catch (error) {
      return owner.fail(error, `${call}: cannot encode the key with key codec "${this.graph.keyCodec.name}": ${describeError(error)}`);
    }
    // The bytes, not the string, are hashed: binary keys land where other clients put them.
    const partition = this.options.hasher.partition(keyBytes, partitions);
    const headers = mergeHeaders(this.options.defaultHeaders, options?.headers);
    let counters = this.outputStats.get(target);
    if (!counters) this.outputStats.set(target, (counters = new OutputCounters()));
    const out = counters;
    const size = keyBytes.length + (bytes === null ? 0 : bytes.length);
    const tooLarge = oversized(target, key, recordBytes(keyBytes, bytes, headers), this.options.maxMessageBytes);
    if (tooLarge) return owner.fail(tooLarge, `${call}: ${tooLarge.message}`);
    owner.hold();
    // Counted once Kafka has it: an emit that fails stops the processor and was never output.
    this.output.add({ topic: target, partition, key: keyBytes, value: bytes, headers }, {
      sent: () => {
        out.count++;
        out.bytes += size;
        owner.release();
      },
      failed: (error) => owner.effectFailed(`${call} failed`, error),
    });
  }

  joinValue(table: string, key: string, owner: EffectOwner): unknown {
    const codec = this.graph.joins.get(table);
    const values = this.joinValues.get(table);
    if (!codec || !values) {
      const declared = [...this.graph.joins.keys()].map((t) => `"${t}"`).join(', ') || 'none';
      return owner.fail(new StateError(`undeclared join ${table}`), `ctx.join() of undeclared table ${JSON.stringify(table)}; declared joins: ${declared}`);
    }
    const bytes = values.get(key);
    if (bytes === undefined) return undefined;
    try {
      return codec.decode(bytes);
    } catch (error) {
      return owner.fail(error, `cannot decode the value of key ${JSON.stringify(key)} in joined table "${table}" with codec "${codec.name}": ${describeError(error)}`);
    }
  }

  lookup(table: string, key: string, owner: EffectOwner): Promise<unknown> {
    const source = this.deps.lookups.get(table);
    if (!source) {
      const declared = [...this.graph.lookups.keys()].map((t) => `"${t}"`).join(', ') || 'none';
      return owner.fail(new StateError(`undeclared lookup ${table}`), `ctx.lookup() of undeclared table ${JSON.stringify(table)}; declared lookups: ${declared}`);
    }
    return source.get(key);
  }

  reportFailure(error: Error): void {
    this.deps.reportFailure(error);
  }
}

function mergeHeaders(defaults: Headers | undefined, own: Headers | undefined): Headers | undefined {
  if (!defaults) return own;
  if (!own) return defaults;
  return { ...defaults, ...own };
}
