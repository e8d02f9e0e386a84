/**
 * JSON of table values and stats for the API: codecs can produce bigints (`bigintCodec`) and
 * Buffers (`bytesCodec`), which JSON.stringify cannot show; they become a decimal string and
 * `{ base64 }`.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v !== null && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return { base64: Buffer.from((v as { data: number[] }).data).toString('base64') };
    }
    return v;
  });
}
