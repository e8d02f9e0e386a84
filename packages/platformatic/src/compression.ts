import { GokaError } from '@goka-ts/api';
import type { ProducerConfig } from '@goka-ts/api';
import type { CompressionAlgorithmValue } from '@platformatic/kafka';
import zlib from 'node:zlib';

/**
 * The platformatic compression for a goka-ts one. platformatic compresses zstd with node:zlib,
 * which has zstd only from Node 22.15 / 23.8: on older Node a zstd producer fails at construction.
 */
export function compressionFor(compression: ProducerConfig['compression'], name: string): CompressionAlgorithmValue {
  const c = compression ?? 'none';
  if (c === 'zstd' && typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync !== 'function') {
    throw new GokaError(`${name}: zstd compression needs Node.js >= 22.15 (node:zlib has no zstd in ${process.version}); use lz4, snappy or gzip`);
  }
  return c;
}
