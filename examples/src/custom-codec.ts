/**
 * A hand-written codec, the one shown in packages/core/README.md ("Writing your own codec"):
 * a `{ x, y }` point as 17 bytes (a format version byte, then x and y as big-endian float64).
 */
import type { Codec } from '@goka-ts/api';

export interface Point {
  readonly x: number;
  readonly y: number;
}

const VERSION = 1;
const SIZE = 17;

export const pointCodec: Codec<Point> = Object.freeze({
  name: 'point',
  encode(value: Point): Buffer {
    const { x, y } = (value ?? {}) as Partial<Point>;
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new TypeError(`point codec: x and y must be finite numbers, got x=${String(x)}, y=${String(y)}`);
    const out = Buffer.alloc(SIZE);
    out.writeUInt8(VERSION, 0);
    out.writeDoubleBE(x!, 1);
    out.writeDoubleBE(y!, 9);
    return out;
  },
  decode(data: Buffer): Point {
    if (data.length !== SIZE) throw new Error(`point codec: expected ${SIZE} bytes, got ${data.length}`);
    if (data[0] !== VERSION) throw new Error(`point codec: unknown format version ${data[0]}`);
    return { x: data.readDoubleBE(1), y: data.readDoubleBE(9) };
  },
});
