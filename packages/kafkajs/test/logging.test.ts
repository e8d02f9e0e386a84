import type { Logger } from '@goka-ts/api';
import { KafkaConnectionError } from '@goka-ts/api';
import { kafkajsClient } from '../src';

function recordingLogger(): Logger & { lines: Array<[string, string]> } {
  const lines: Array<[string, string]> = [];
  const log = (level: string) => (message: string) => void lines.push([level, message]);
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

const unreachable = { brokers: ['127.0.0.1:1'], connectionTimeoutMs: 500, kafkaJS: { retry: { retries: 0 } } };

describe('kafkajs logging', () => {
  const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  let spies: jest.SpyInstance[];
  beforeEach(() => {
    spies = consoleMethods.map((m) => jest.spyOn(console, m).mockImplementation(() => undefined));
  });
  afterEach(() => spies.forEach((s) => s.mockRestore()));

  it('is silent without a logger', async () => {
    const admin = kafkajsClient(unreachable).admin();
    await expect(admin.connect()).rejects.toBeInstanceOf(KafkaConnectionError);
    await admin.close();
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it('forwards kafkajs lines at warn and above to the given logger', async () => {
    const logger = recordingLogger();
    const admin = kafkajsClient({ ...unreachable, logger }).admin();
    await expect(admin.connect()).rejects.toBeInstanceOf(KafkaConnectionError);
    await admin.close();
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(logger.lines.every(([level]) => level === 'warn' || level === 'error')).toBe(true);
    expect(logger.lines.some(([, message]) => /^kafkajs \w+/.test(message) && /127\.0\.0\.1:1|ECONNREFUSED|Connection/i.test(message))).toBe(true);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it("forwards debug lines when logLevel is 'debug'", async () => {
    const logger = recordingLogger();
    const admin = kafkajsClient({ ...unreachable, logger, logLevel: 'debug' }).admin();
    await expect(admin.connect()).rejects.toThrow();
    await admin.close();
    expect(logger.lines.some(([level]) => level === 'debug')).toBe(true);
  });
});
