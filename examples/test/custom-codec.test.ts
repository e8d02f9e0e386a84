import fs from 'fs';
import path from 'path';
import { MessageError } from '@goka-ts/api';
import { defineGroup, Processor } from '@goka-ts/core';
import { Tester } from '@goka-ts/tester';
import { pointCodec, type Point } from '../src/custom-codec';

// The codec of packages/core/README.md ("Writing your own codec").
describe('pointCodec', () => {
  it('round-trips points exactly, as 17 bytes with a version prefix', () => {
    const points: Point[] = [
      { x: 0, y: 0 },
      { x: 1.5, y: -2.25 },
      { x: -0, y: Number.MAX_VALUE },
      { x: Number.MIN_VALUE, y: -1e300 },
      { x: 0.1 + 0.2, y: 1 / 3 },
    ];
    for (const point of points) {
      const bytes = pointCodec.encode(point);
      expect(bytes).toHaveLength(17);
      expect(bytes[0]).toBe(1);
      const back = pointCodec.decode(bytes);
      expect(back).toEqual(point);
      expect(Object.is(back.x, point.x)).toBe(true); // -0 stays -0
    }
    expect(pointCodec.name).toBe('point');
  });

  it('refuses to encode what it cannot represent', () => {
    const bad: unknown[] = [{ x: NaN, y: 0 }, { x: 0, y: Infinity }, { x: 1 }, { x: '1', y: 2 }, null, undefined, 'point'];
    for (const value of bad) {
      expect(() => pointCodec.encode(value as Point)).toThrow(TypeError);
      expect(() => pointCodec.encode(value as Point)).toThrow(/^point codec: x and y must be finite numbers, got x=/);
    }
    expect(() => pointCodec.encode({ x: NaN, y: 2 })).toThrow('point codec: x and y must be finite numbers, got x=NaN, y=2');
  });

  it('rejects bytes it cannot read with an error that says why', () => {
    expect(() => pointCodec.decode(Buffer.alloc(0))).toThrow('point codec: expected 17 bytes, got 0');
    expect(() => pointCodec.decode(Buffer.alloc(16, 1))).toThrow('point codec: expected 17 bytes, got 16');
    expect(() => pointCodec.decode(Buffer.from('{"x":1,"y":2}'))).toThrow('point codec: expected 17 bytes, got 13');
    const valid = pointCodec.encode({ x: 1, y: 2 });
    expect(() => pointCodec.decode(Buffer.concat([valid, Buffer.from([0])]))).toThrow('point codec: expected 17 bytes, got 18');
    const future = Buffer.from(valid);
    future[0] = 2;
    expect(() => pointCodec.decode(future)).toThrow('point codec: unknown format version 2');
  });

  it('types a group and makes a processor fail with a MessageError on an unreadable record', async () => {
    const t = new Tester({ partitions: 2 });
    try {
      // Keeps the farthest point from the origin per key.
      const graph = defineGroup('farthest', {
        inputs: {
          points: {
            codec: pointCodec,
            handler: (ctx, p) => {
              const best = ctx.value();
              if (!best || Math.hypot(p.x, p.y) > Math.hypot(best.x, best.y)) ctx.setValue(p);
            },
          },
        },
        persist: pointCodec,
      });
      const { done } = await t.start(new Processor(graph, t.processorOptions()));
      await t.feed('points', 'a', { x: 3, y: 4 }, { codec: pointCodec });
      await t.feed('points', 'a', { x: 1, y: 1 }, { codec: pointCodec });
      expect(await t.tableValue('farthest-table', 'a', pointCodec)).toEqual({ x: 3, y: 4 });

      const failed = await t.feed('points', 'a', 'not a point').catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(MessageError);
      expect((failed as MessageError).where).toMatchObject({ group: 'farthest', topic: 'points', partition: t.partitionOf('points', 'a'), offset: 2 });
      expect((failed as MessageError).message).toMatch(/cannot decode the message with codec "point": point codec: expected 17 bytes, got 11/);
      await expect(done).rejects.toBe(failed);
    } finally {
      await t.close();
    }
  });

  it('is the code packages/core/README.md shows', () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '../../packages/core/README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    const shown = blocks.find((block) => block.includes('export const pointCodec'));
    const source = fs.readFileSync(path.resolve(__dirname, '../src/custom-codec.ts'), 'utf8');
    expect(shown).toBe(source.replace(/^\/\*\*[\s\S]*?\*\/\n/, '')); // the file without its doc comment
  });
});
