import { asError } from '@goka-ts/adapter-kit';
import type { MessageToProduce } from '@platformatic/kafka';
import { partitionKey } from './cluster';
import { errorTree, isStaleMetadata } from './errors';
import { baseOffsets } from './record_batcher';
import { isRetriable, sleep, type RetryPolicy } from './retry';

/** What a platformatic `send` resolves with: a base offset per written topic-partition. */
export interface SendResult {
  offsets?: ReadonlyArray<{ topic: string; partition: number; offset: bigint }>;
}

/** Per `"topic:partition"`: the base offset its records were written at, or why they were not. */
export type PartitionOutcomes = Map<string, number | Error>;

/**
 * Sends records through a platformatic producer that does not retry itself (`retries: 0`) and
 * retries here, per partition: only the partitions that were not written go out again.
 *
 * platformatic retries a failed produce request as a whole, so when one partition of a request
 * fails with a retriable error (a fresh topic's leader not ready yet, a leader that moved), the
 * partitions that were written in it are written again: duplicates without any crash, which a
 * plain (non-idempotent) producer cannot tell the broker to drop. The broker's answer says which
 * partitions were written; this function keeps their offsets and resends the rest.
 *
 * Only retriable failures are retried (platformatic marks a timeout as not retriable: the broker
 * may have written the request, so resending could duplicate it). Records of a partition stay in
 * order because nothing else of the batch goes out until this call is done.
 */
export async function sendByPartition(
  send: (messages: MessageToProduce[]) => Promise<SendResult>,
  messages: readonly MessageToProduce[],
  policy: RetryPolicy,
  onStaleMetadata: () => void,
): Promise<PartitionOutcomes> {
  const outcomes: PartitionOutcomes = new Map();
  let pending = [...messages];
  for (let attempt = 0; ; attempt++) {
    let result: SendResult;
    try {
      result = await send(pending);
    } catch (err) {
      const { written, failed } = partialOutcome(err);
      for (const [key, offset] of written) outcomes.set(key, offset);
      pending = pending.filter((m) => !written.has(partitionKey(m.topic, m.partition!)));
      const retriable = isRetriable(err) && [...failed.values()].every(isRetriable);
      if (pending.length === 0) return outcomes;
      if (!retriable || attempt >= policy.retries) {
        for (const m of pending) {
          const key = partitionKey(m.topic, m.partition!);
          outcomes.set(key, failed.get(key) ?? asError(err));
        }
        return outcomes;
      }
      if (isStaleMetadata(err)) onStaleMetadata();
      await sleep(policy.delayMs);
      continue;
    }
    for (const [key, offset] of baseOffsets(result)) outcomes.set(key, offset);
    return outcomes;
  }
}

interface ProduceResponse {
  responses?: Array<{ name: string; partitionResponses: Array<{ index: number; errorCode: number; baseOffset: bigint }> }>;
}

/**
 * The partitions a failed send wrote anyway and the broker's error of each one it did not:
 * platformatic attaches the results of the brokers that answered (`produced`), and a broker that
 * answered with an error per partition comes as a `ResponseError` holding the whole response and
 * one `ProtocolError` per failed partition (its `path` points into the response).
 */
export function partialOutcome(err: unknown): { written: Map<string, number>; failed: Map<string, Error> } {
  const written = baseOffsets((err as { produced?: SendResult } | null)?.produced ?? {});
  const failed = new Map<string, Error>();
  for (const e of errorTree(err)) {
    const response = (e as { response?: ProduceResponse }).response;
    if (!Array.isArray(response?.responses)) continue;
    const byPath = new Map<string, Error>();
    for (const inner of Array.isArray(e.errors) ? (e.errors as unknown[]) : []) {
      const path = (inner as { path?: unknown }).path;
      if (typeof path === 'string' && inner instanceof Error) byPath.set(path, inner);
    }
    response.responses.forEach((topic, i) => {
      topic.partitionResponses.forEach((p, j) => {
        const key = partitionKey(topic.name, p.index);
        if (p.errorCode === 0) written.set(key, Number(p.baseOffset));
        else failed.set(key, byPath.get(`/responses/${i}/partition_responses/${j}`) ?? asError(e));
      });
    });
  }
  // A partition can appear as failed in one answer only; a written one never needs a retry.
  for (const key of written.keys()) failed.delete(key);
  return { written, failed };
}
