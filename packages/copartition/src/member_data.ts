/** The assignment protocol goka-ts members announce: Go Goka's name, the same for every adapter. */
export const COPARTITION_PROTOCOL = 'copartition';
/** Version of the member metadata and of the user data goka-ts members send. */
export const COPARTITION_VERSION = 1;

/**
 * A member's user data in its group subscription: the partitions it held before, as JSON
 * `{"v":1,"partitions":[...]}`. Every adapter reads and writes this format, so whichever member
 * leads a mixed group keeps tables where they are.
 */
export function encodeMemberData(previous: readonly number[]): Buffer {
  return Buffer.from(JSON.stringify({ v: COPARTITION_VERSION, partitions: previous }));
}

/**
 * The previous partitions in a member's user data; none for empty, foreign or malformed data, and
 * entries that are not integers are dropped.
 */
export function decodeMemberData(data: Buffer | string | null | undefined): number[] {
  if (!data || data.length === 0) return [];
  try {
    const parsed = JSON.parse(data.toString()) as { partitions?: unknown } | null;
    const partitions = parsed?.partitions;
    return Array.isArray(partitions) ? partitions.filter((p): p is number => Number.isInteger(p)) : [];
  } catch {
    // Go Goka and other clients send other user data: those members just get no stickiness.
    return [];
  }
}
