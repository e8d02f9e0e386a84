import type { Codec, KeyCodec } from '@goka-ts/api';
import type { Context, VisitorContext } from './context';
import type { ErrorPolicy, ResolvedRetries, RetryPolicy } from '../errors/error_policy';

/** A callback of an input or loop edge. May be async: the next message of the partition waits for it. */
export type Handler<M, C> = (ctx: C, message: M) => void | Promise<void>;

/** An input (or loop) edge: how to decode the topic, and what to do with each message. */
export interface InputEdge<M, C> {
  readonly codec: Codec<M>;
  readonly handler: Handler<M, C>;
  /** What becomes of a message of this edge that fails; wins over the processor's `onError`. */
  readonly onError?: ErrorPolicy;
  /** Retries of a failed callback of this edge before `onError` applies; wins over the processor's `retries`. */
  readonly retries?: RetryPolicy;
}

/** Goka's `Inputs`: one codec and callback for several topics. */
export interface InputsEdge<M, C> extends InputEdge<M, C> {
  readonly topics: readonly string[];
}

/** A visitor: runs over every key of the group table on demand (`processor.visitAll`). */
export type VisitorHandler<V, O> = (ctx: VisitorContext<V, O>, meta: unknown) => void | Promise<void>;

/**
 * The edges of a group. Every codec types what the callbacks see:
 * `inputs['t'].codec` types the message of topic `t`; `persist` types `value()`/`setValue()`;
 * `outputs['t']` types `emit('t', ...)`; `joins`/`lookups` type `join()`/`lookup()`;
 * `loop.codec` types `loopback()` and the loop callback's message.
 */
export interface GroupSpec<M, S, V, O, J, L, LV> {
  /**
   * How the keys of every topic of the group (inputs, table, loop, outputs, joins, lookups) become
   * strings and back. Default `utf8Keys`, which sends a key that is not valid UTF-8 through the
   * error policy; `binaryKeys` keeps any key byte for byte. Views of the group's table made with
   * `View.of(graph)` use it too.
   */
  readonly keys?: KeyCodec;
  /** Input topics (topic -> codec and callback). */
  readonly inputs?: { readonly [T in keyof M]: InputEdge<M[T], Context<V, O, J, L, LV>> };
  /** Named sets of topics that share one codec and callback (Goka's `Inputs`). */
  readonly streams?: { readonly [N in keyof S]: InputsEdge<S[N], Context<V, O, J, L, LV>> };
  /** The group table `<group>-table` and its codec. */
  readonly persist?: Codec<V>;
  readonly outputs?: { readonly [T in keyof O]: Codec<O[T]> };
  /** Co-partitioned tables, read for the message's key. */
  readonly joins?: { readonly [T in keyof J]: Codec<J[T]> };
  /** Tables read by any key through views. */
  readonly lookups?: { readonly [T in keyof L]: Codec<L[T]> };
  /** The loop topic `<group>-loop`. */
  readonly loop?: InputEdge<LV, Context<V, O, J, L, LV>>;
  readonly visitors?: { readonly [name: string]: VisitorHandler<V, O> };
}

/** Topic name suffixes of the group table and loop (Goka: `-table`, `-loop`). */
export interface TopicSuffixes {
  readonly table: string;
  readonly loop: string;
}

/** One input topic of a graph, with everything the processor needs to run it. */
export interface GraphInput {
  readonly topic: string;
  readonly codec: Codec<unknown>;
  readonly handler: Handler<unknown, Context<unknown, unknown, unknown, unknown, unknown>>;
  readonly kind: 'input' | 'loop';
  /** The edge's own error policy and retries (the processor's apply where undefined). */
  readonly onError: ErrorPolicy | undefined;
  readonly retries: ResolvedRetries | undefined;
}

/**
 * The type of a graph's table topic: `string` when `persist` gave the table a codec (its value type
 * `V`), `undefined` without `persist` (`V` is then `never`). A graph whose `V` is not known here
 * (`unknown` or `any`, e.g. a `GroupGraph` passed around untyped) may be either.
 */
export type TableTopic<V> = [V] extends [never] ? undefined : unknown extends V ? string | undefined : string;

/** The type of a graph's table codec, present exactly when {@link TableTopic} is. */
export type TableCodec<V> = [V] extends [never] ? undefined : unknown extends V ? Codec<V> | undefined : Codec<V>;

/** What `View.of` needs of a graph: a group table whose values are `V` (every graph with `persist` has one). */
export interface PersistedGraph<V> {
  readonly group: string;
  readonly tableTopic: string;
  readonly tableCodec: Codec<V>;
  /** The key codec of the table; `utf8Keys` when absent. */
  readonly keyCodec?: KeyCodec;
}

/**
 * A validated group graph. The phantom type parameters carry the edge types to processors, views
 * and the tester; at run time only the fields below exist.
 */
export interface GroupGraph<M = unknown, S = unknown, V = unknown, O = unknown, J = unknown, L = unknown, LV = unknown> {
  readonly group: string;
  readonly spec: GroupSpec<M, S, V, O, J, L, LV>;
  /** The key codec of every topic of the group: `spec.keys`, default `utf8Keys`. */
  readonly keyCodec: KeyCodec;
  /** Every input topic (inputs, streams and the loop), in declaration order. */
  readonly inputs: readonly GraphInput[];
  /** `<group><suffix>` when the group persists, else undefined; typed as present when `persist` is given. */
  readonly tableTopic: TableTopic<V>;
  readonly loopTopic: string | undefined;
  /** The `persist` codec; typed as present when `persist` is given. */
  readonly tableCodec: TableCodec<V>;
  readonly outputs: ReadonlyMap<string, Codec<unknown>>;
  readonly joins: ReadonlyMap<string, Codec<unknown>>;
  readonly lookups: ReadonlyMap<string, Codec<unknown>>;
  readonly visitors: ReadonlyMap<string, VisitorHandler<V, O>>;
}
