import { consoleLogger, defaultLogLevel, silentLogger, withFields } from '../src';

describe('consoleLogger', () => {
  it('writes lines with fields at or above its level', () => {
    const lines: string[] = [];
    const log = consoleLogger({ level: 'info', write: (l) => lines.push(l), fields: { component: 'view' } });
    log.debug('hidden');
    log.info('recovered', { topic: 'my table', partition: 3, err: new Error('boom') });
    log.error('bad');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+ INFO {2}recovered component=view topic="my table" partition=3 err="boom"$/);
    expect(lines[1]).toMatch(/ERROR bad component=view$/);
  });

  it('takes the default level from GOKA_LOG_LEVEL', () => {
    const before = process.env.GOKA_LOG_LEVEL;
    try {
      process.env.GOKA_LOG_LEVEL = 'WARN';
      expect(defaultLogLevel()).toBe('warn');
      process.env.GOKA_LOG_LEVEL = 'nonsense';
      expect(defaultLogLevel()).toBe('info');
      delete process.env.GOKA_LOG_LEVEL;
      expect(defaultLogLevel()).toBe('info');
    } finally {
      if (before === undefined) delete process.env.GOKA_LOG_LEVEL;
      else process.env.GOKA_LOG_LEVEL = before;
    }
  });

  it('withFields adds fields to every entry', () => {
    const lines: string[] = [];
    const log = withFields(consoleLogger({ level: 'debug', write: (l) => lines.push(l) }), { topic: 't' });
    log.debug('x', { partition: 1 });
    log.warn('y');
    expect(lines[0]).toMatch(/DEBUG x topic=t partition=1$/);
    expect(lines[1]).toMatch(/WARN {2}y topic=t$/);
    silentLogger.error('nothing happens');
  });
});
