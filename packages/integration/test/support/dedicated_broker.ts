/**
 * A Kafka broker of one test file, on free ports with its own data directory, started and stopped
 * with the project's `scripts/kafka.sh`: tests that stop the broker never touch the shared one.
 */
import { execFile } from 'child_process';
import fs from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';

const KAFKA_SH = path.resolve(__dirname, '../../../../scripts/kafka.sh');

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export class DedicatedBroker {
  private constructor(
    readonly port: number,
    readonly controllerPort: number,
    readonly dataDir: string,
  ) {}

  /** Bootstrap address for clients. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts a fresh broker on two free ports and a new temporary data directory. */
  static async start(): Promise<DedicatedBroker> {
    const port = await freePort();
    let controllerPort = await freePort();
    while (controllerPort === port) controllerPort = await freePort();
    const broker = new DedicatedBroker(port, controllerPort, fs.mkdtempSync(path.join(os.tmpdir(), 'goka-chaos-kafka-')));
    await broker.run('start');
    return broker;
  }

  /** Starts the stopped broker again on the same ports and data (topics, offsets and groups survive). */
  restart(): Promise<void> {
    return this.run('start');
  }

  /** Stops the broker (SIGTERM: a controlled shutdown; kafka.sh kills it after 30 s). */
  stop(): Promise<void> {
    return this.run('stop');
  }

  /** Stops the broker and deletes its data directory. */
  async destroy(): Promise<void> {
    try {
      await this.run('stop');
    } finally {
      fs.rmSync(this.dataDir, { recursive: true, force: true });
    }
  }

  private run(command: 'start' | 'stop'): Promise<void> {
    const env = { ...process.env, KAFKA_PORT: String(this.port), KAFKA_CONTROLLER_PORT: String(this.controllerPort), KAFKA_DATA: this.dataDir };
    return new Promise((resolve, reject) => {
      execFile(KAFKA_SH, [command], { env, timeout: 150_000 }, (error, _stdout, stderr) => {
        if (error) reject(new Error(`scripts/kafka.sh ${command} (port ${this.port}, data ${this.dataDir}) failed: ${error.message}\n${stderr}`));
        else resolve();
      });
    });
  }
}
