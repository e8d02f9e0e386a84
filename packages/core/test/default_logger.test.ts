// Every component has the same default logger: warnings and errors on stderr, progress lines only
// with GOKA_LOG_LEVEL. Observed where it ends up (stderr), not through the components' internals.
import { defaultLogger, defineGroup, Emitter, int64Codec, murmur2Hasher, Processor, stringCodec, TopicManager, View } from '../src';
import { FaultyKafka } from './support/faulty_kafka';

let lines: string[];
let levelBefore: string | undefined;

beforeEach(() => {
  lines = [];
  levelBefore = process.env.GOKA_LOG_LEVEL;
  delete process.env.GOKA_LOG_LEVEL;
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
});

afterEach(() => {
  jest.restoreAllMocks();
  if (levelBefore === undefined) delete process.env.GOKA_LOG_LEVEL;
  else process.env.GOKA_LOG_LEVEL = levelBefore;
});

const logged = (pattern: RegExp) => lines.filter((l) => pattern.test(l));

test('defaultLogger writes warnings and errors, not progress, unless GOKA_LOG_LEVEL says otherwise', () => {
  const log = defaultLogger();
  log.info('progress');
  log.warn('attention', { topic: 't' });
  log.error('broken');
  expect(lines.map((l) => l.replace(/^\S+ /, ''))).toEqual(['WARN  attention topic=t\n', 'ERROR broken\n']);
  process.env.GOKA_LOG_LEVEL = 'info';
  defaultLogger().info('progress');
  expect(logged(/INFO {2}progress/)).toHaveLength(1);
  process.env.GOKA_LOG_LEVEL = 'silent';
  defaultLogger().error('nothing');
  expect(logged(/nothing/)).toHaveLength(0);
});

test('a View without a logger warns on stderr about a skipped record and keeps its progress quiet', async () => {
  const kafka = new FaultyKafka();
  kafka.createTopic('counts', 1, { 'cleanup.policy': 'compact' });
  kafka.append('counts', 0, 'a', 'not a number');
  const view = new View('counts', int64Codec, { client: kafka, onError: 'skip' });
  const running = view.run();
  await view.waitRunning();
  await view.stop();
  await running;
  expect(logged(/WARN {2}skipped a table record that cannot be decoded/)).toHaveLength(1);
  expect(logged(/INFO/)).toEqual([]);
});

test('a Processor without a logger warns on stderr about a skipped message and keeps its progress quiet', async () => {
  const kafka = new FaultyKafka();
  kafka.createTopic('numbers', 1);
  kafka.append('numbers', 0, 'k', 'not a number');
  const graph = defineGroup('summer', {
    inputs: { numbers: { codec: int64Codec, handler: (ctx, n) => ctx.setValue((ctx.value() ?? 0) + n) } },
    persist: int64Codec,
  });
  const processor = new Processor(graph, { client: kafka, startFrom: 'oldest', onError: 'skip' });
  const running = processor.run();
  await processor.waitRunning();
  const until = Date.now() + 5000;
  while (logged(/skipped a message/).length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  await processor.stop();
  await running;
  expect(logged(/WARN {2}skipped a message that failed \(onError: skip\)/)).toHaveLength(1);
  expect(logged(/INFO/)).toEqual([]);
});

test('an Emitter and a TopicManager without a logger log through the same default (debug and info on request)', async () => {
  process.env.GOKA_LOG_LEVEL = 'debug';
  const kafka = new FaultyKafka();
  const topics = await TopicManager.connect(kafka);
  await topics.ensureStream('words', 2);
  await topics.close();
  const emitter = new Emitter('words', stringCodec, { client: kafka, hasher: murmur2Hasher });
  await emitter.emit('k', 'hello');
  await emitter.finish();
  expect(logged(/INFO {2}created topic topic=words/)).toHaveLength(1);
  expect(logged(/DEBUG emitter started topic=words/)).toHaveLength(1);
});
