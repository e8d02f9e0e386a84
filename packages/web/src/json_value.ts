/**
 * JSON of table values and stats for the API: codecs can produce bigints (`bigintCodec`) and
 * Buffers (`bytesCodec`), which JSON.stringify cannot show; they become a decimal string and
 * `{ base64 }`. Markup characters are written as `\u` escapes (the same JSON), so an answer a
 * browser misreads as HTML still carries no tag from a key or value.
 */
export function toJson(value: unknown): string {
  const json = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v !== null && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return { base64: Buffer.from((v as { data: number[] }).data).toString('base64') };
    }
    return v;
  });
  return json.replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
