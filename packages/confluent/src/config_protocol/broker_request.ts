import * as net from 'node:net';
import { GokaError, KafkaConnectionError } from '@goka-ts/api';
import { WireReader, WireWriter } from './wire';

export interface BrokerTarget {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly timeoutMs: number;
}

function hostPort(broker: string): { host: string; port: number } {
  const i = broker.lastIndexOf(':');
  const host = broker.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  const port = Number(broker.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port)) throw new GokaError(`invalid broker address "${broker}" (expected host:port)`);
  return { host, port };
}

/** Sends one request on a fresh PLAINTEXT connection and returns the response body. */
function exchange(broker: string, frame: Buffer, correlationId: number, timeoutMs: number): Promise<WireReader> {
  const { host, port } = hostPort(broker);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const chunks: Buffer[] = [];
    let received = 0;
    const finish = (err: Error | null, body?: WireReader) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.destroy();
      if (err) reject(err);
      else resolve(body!);
    };
    const timer = setTimeout(() => finish(new Error(`no answer from ${broker} within ${timeoutMs} ms`)), timeoutMs);
    socket.on('connect', () => socket.write(frame));
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish(new Error(`connection to ${broker} closed before a response arrived`)));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received < 4) return;
      const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      const size = all.readInt32BE(0);
      if (all.length < 4 + size) return;
      const reader = new WireReader(all.subarray(4, 4 + size));
      const id = reader.int32();
      if (id !== correlationId) finish(new Error(`unexpected correlation id ${id} from ${broker}`));
      else finish(null, reader);
    });
  });
}

let correlation = 0;

/**
 * One Kafka request (classic header v1, response header v0) to the first bootstrap broker that
 * answers. Used for the few admin calls librdkafka's JS binding does not expose.
 */
export async function brokerRequest(
  target: BrokerTarget, apiKey: number, apiVersion: number, body: (w: WireWriter) => void,
): Promise<WireReader> {
  const correlationId = (correlation = (correlation + 1) & 0x7fffffff);
  const payload = new WireWriter().int16(apiKey).int16(apiVersion).int32(correlationId).string(target.clientId);
  body(payload);
  const bytes = payload.toBuffer();
  const frame = Buffer.allocUnsafe(4 + bytes.length);
  frame.writeInt32BE(bytes.length, 0);
  bytes.copy(frame, 4);
  const failures: string[] = [];
  for (const broker of target.brokers) {
    try {
      return await exchange(broker, frame, correlationId, target.timeoutMs);
    } catch (err) {
      failures.push(`${broker}: ${(err as Error).message}`);
    }
  }
  throw new KafkaConnectionError(`no broker answered (${failures.join('; ')})`);
}
