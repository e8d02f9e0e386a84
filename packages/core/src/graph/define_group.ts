import type { Codec } from '@goka-ts/api';
import { utf8Keys } from '../codecs/key_codecs';
import { deadLetterTopicOf, errorPolicyProblem, resolveRetries, type ResolvedRetries } from '../errors/error_policy';
import type { GraphInput, GroupGraph, GroupSpec, InputEdge, InputsEdge, TableCodec, TableTopic, TopicSuffixes, VisitorHandler } from './graph';

/** Goka's suffixes: `<group>-table` and `<group>-loop`. */
export const DEFAULT_SUFFIXES: TopicSuffixes = { table: '-table', loop: '-loop' };

/** Thrown by {@link defineGroup} for a graph that cannot run; the message says how to fix it. */
export class GraphError extends Error {
  constructor(group: string, problem: string) {
    super(`group "${group}": ${problem}`);
    this.name = 'GraphError';
  }
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * Defines and validates a group graph. The codecs of the edges type the callbacks:
 *
 * ```ts
 * interface Click { readonly page: string }
 *
 * const graph = defineGroup('clicks', {
 *   inputs: { 'user-clicks': { codec: jsonCodec<Click>(), handler: (ctx) => ctx.setValue((ctx.value() ?? 0) + 1) } },
 *   persist: int64Codec, // the table "clicks-table"; ctx.value() is a number | undefined
 * });
 * ```
 *
 * @throws {GraphError} when the graph breaks one of Goka's rules (no input, an edge on the group's own
 *   table or loop topic, a visitor without `persist`, a topic used twice, an invalid topic name).
 */
export function defineGroup<
  M extends Record<string, unknown> = {},
  S extends Record<string, unknown> = {},
  V = never,
  O = {},
  J = {},
  L = {},
  LV = never,
>(group: string, spec: GroupSpec<M, S, V, O, J, L, LV>, options?: { suffixes?: Partial<TopicSuffixes> }): GroupGraph<M, S, V, O, J, L, LV> {
  const suffixes = { ...DEFAULT_SUFFIXES, ...options?.suffixes };
  const fail = (problem: string): never => {
    throw new GraphError(group, problem);
  };
  if (!group || !TOPIC_NAME.test(group + suffixes.table)) {
    fail('the group name must be non-empty and use only letters, digits, ".", "_" and "-" (it names Kafka topics and the consumer group)');
  }
  const keyCodec = spec.keys ?? utf8Keys;
  if (typeof keyCodec.encode !== 'function' || typeof keyCodec.decode !== 'function') fail('`keys` needs a key codec with encode/decode, e.g. utf8Keys or binaryKeys');
  const tableTopic = spec.persist ? group + suffixes.table : undefined;
  const loopTopic = spec.loop ? group + suffixes.loop : undefined;
  const own = new Set([group + suffixes.table, group + suffixes.loop]);

  const inputs: GraphInput[] = [];
  const inputTopics = new Set<string>();
  const addInput = (topic: string, edgeSpec: InputEdge<unknown, unknown>, kind: GraphInput['kind'], edge: string) => {
    const { codec, handler } = edgeSpec;
    checkTopic(topic, edge);
    if (kind === 'input' && own.has(topic)) {
      fail(`${edge} "${topic}" is the group's own ${topic.endsWith(suffixes.table) ? 'table' : 'loop'} topic; use persist / loop for it instead`);
    }
    if (inputTopics.has(topic)) fail(`topic "${topic}" is consumed twice; declare each input topic once`);
    if (!codec || typeof codec.decode !== 'function') fail(`${edge} "${topic}" needs a codec with encode/decode`);
    if (typeof handler !== 'function') fail(`${edge} "${topic}" needs a handler function`);
    const policyProblem = edgeSpec.onError === undefined ? undefined : errorPolicyProblem(edgeSpec.onError);
    if (policyProblem) fail(`${edge} "${topic}": onError ${policyProblem}`);
    const deadLetter = deadLetterTopicOf(edgeSpec.onError);
    if (deadLetter !== undefined) checkTopic(deadLetter, `${edge} "${topic}" dead-letter`);
    let retries: ResolvedRetries | undefined;
    try {
      retries = resolveRetries(edgeSpec.retries, `${edge} "${topic}"`);
    } catch (error) {
      fail((error as Error).message);
    }
    inputTopics.add(topic);
    inputs.push({ topic, codec, handler: handler as GraphInput['handler'], kind, onError: edgeSpec.onError, retries });
  };
  const checkTopic = (topic: string, edge: string) => {
    if (!TOPIC_NAME.test(topic)) fail(`${edge} topic "${topic}" is not a valid Kafka topic name (letters, digits, ".", "_", "-"; at most 249)`);
  };

  for (const [topic, edge] of entries<InputEdge<unknown, unknown>>(spec.inputs as Record<string, InputEdge<unknown, unknown>> | undefined)) addInput(topic, edge, 'input', 'input');
  for (const [name, edge] of entries<InputsEdge<unknown, unknown>>(spec.streams as Record<string, InputsEdge<unknown, unknown>> | undefined)) {
    if (!edge.topics?.length) fail(`stream "${name}" lists no topics`);
    for (const topic of edge.topics) addInput(topic, edge, 'input', `stream "${name}"`);
  }
  if (inputs.length === 0) fail('a group needs at least one input; add an entry to `inputs` or `streams`');
  if (spec.loop && loopTopic) addInput(loopTopic, spec.loop as InputEdge<unknown, unknown>, 'loop', 'loop');
  for (const input of inputs) {
    const deadLetter = deadLetterTopicOf(input.onError);
    if (deadLetter !== undefined && (inputTopics.has(deadLetter) || own.has(deadLetter))) {
      fail(`the dead-letter topic "${deadLetter}" of ${input.kind} "${input.topic}" is consumed by the group itself; failed messages would come back to it. Use a topic of its own`);
    }
  }

  const tableEdges = (kind: 'output' | 'join' | 'lookup', map: Record<string, Codec<unknown>> | undefined) => {
    const out = new Map<string, Codec<unknown>>();
    for (const [topic, codec] of entries(map)) {
      checkTopic(topic, kind);
      if (own.has(topic)) fail(`${kind} "${topic}" is the group's own table or loop topic; read the group table with ctx.value() and write it with ctx.setValue()`);
      if (!codec || typeof codec.encode !== 'function') fail(`${kind} "${topic}" needs a codec with encode/decode`);
      if (kind !== 'output' && inputTopics.has(topic)) fail(`topic "${topic}" is both an input and a ${kind} table; a topic is either consumed or read as a table`);
      out.set(topic, codec);
    }
    return out;
  };
  const outputs = tableEdges('output', spec.outputs as Record<string, Codec<unknown>> | undefined);
  const joins = tableEdges('join', spec.joins as Record<string, Codec<unknown>> | undefined);
  const lookups = tableEdges('lookup', spec.lookups as Record<string, Codec<unknown>> | undefined);
  for (const topic of joins.keys()) {
    if (lookups.has(topic)) fail(`table "${topic}" is both joined and looked up; a joined table is already readable by key with ctx.join()`);
  }

  const visitors = new Map<string, VisitorHandler<V, O>>();
  for (const [name, handler] of entries(spec.visitors)) {
    if (!spec.persist) fail(`visitor "${name}" needs a group table: add \`persist\` with the table's codec`);
    if (typeof handler !== 'function') fail(`visitor "${name}" needs a handler function`);
    visitors.set(name, handler);
  }

  return {
    group,
    spec,
    keyCodec,
    inputs,
    // Both are set exactly when `persist` is, which is what their conditional types say.
    tableTopic: tableTopic as TableTopic<V>,
    loopTopic,
    tableCodec: spec.persist as TableCodec<V>,
    outputs,
    joins,
    lookups,
    visitors,
  };
}

function entries<T>(map: { readonly [key: string]: T } | undefined): [string, T][] {
  return map ? Object.entries(map) : [];
}
