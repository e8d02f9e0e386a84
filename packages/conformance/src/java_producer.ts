import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A record for {@link produceWithJava}: `null` key or value is sent as null. */
export interface JavaRecord {
  readonly partition: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

/** Compression types of the Java client's `compression.type`. */
export type JavaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/**
 * Where the broker's jars (kafka-clients, snappy-java, lz4-java, zstd-jni among them) are: `GOKA_KAFKA_LIBS`,
 * or the cache `scripts/kafka.sh` fills (`GOKA_CACHE`, default ~/.cache/goka-ts), preferring `KAFKA_VERSION`.
 */
export function kafkaLibsDir(): string {
  if (process.env.GOKA_KAFKA_LIBS) return process.env.GOKA_KAFKA_LIBS;
  const cache = process.env.GOKA_CACHE ?? path.join(os.homedir(), '.cache', 'goka-ts');
  const wanted = process.env.KAFKA_VERSION ? path.join(cache, `kafka-${process.env.KAFKA_VERSION}`, 'libs') : undefined;
  if (wanted && fs.existsSync(path.join(wanted, '.complete'))) return wanted;
  const found = fs.existsSync(cache)
    ? fs.readdirSync(cache).filter((d) => d.startsWith('kafka-')).map((d) => path.join(cache, d, 'libs')).find((d) => fs.existsSync(path.join(d, '.complete')))
    : undefined;
  if (!found) throw new Error(`no Kafka jars found under ${cache}: run scripts/kafka.sh fetch (or set GOKA_KAFKA_LIBS)`);
  return found;
}

const source = path.join(__dirname, '..', 'java', 'RecordProducer.java');

/**
 * Writes records with the Java Kafka client (the reference implementation, whose snappy is xerial-framed),
 * so a test can check that an adapter reads what other clients write. Returns each record's offset, in input order.
 */
export async function produceWithJava(
  brokers: readonly string[], topic: string, records: readonly JavaRecord[], compression: JavaCompression = 'none',
): Promise<number[]> {
  const hex = (b: Buffer | null): string => (b === null ? '-' : b.length === 0 ? '' : b.toString('hex'));
  for (const r of records) {
    if ((r.key !== null && r.key.length === 0) || (r.value !== null && r.value.length === 0)) {
      throw new Error('produceWithJava: empty keys or values are not supported by its line format; use null or at least one byte');
    }
  }
  const input = records.map((r) => `${r.partition} ${hex(r.key)} ${hex(r.value)}\n`).join('');
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = execFile('java', ['-Xmx256m', '-cp', `${kafkaLibsDir()}/*`, source, brokers.join(','), topic, compression],
      { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, out, stderr) => {
        if (err) reject(new Error(`Java producer failed: ${err.message}\n${stderr}`));
        else resolve(out);
      });
    child.stdin!.end(input);
  });
  const offsets = stdout.trim().split('\n').filter(Boolean).map((l) => Number(l.split(' ')[1]));
  if (offsets.length !== records.length) throw new Error(`Java producer answered ${offsets.length} offsets for ${records.length} records`);
  return offsets;
}
