import { Processor, stringCodec } from '@goka-ts/core';
import { Tester } from '@goka-ts/tester';
import { blockerGroup } from '../src/messaging/blocker';
import { collectorGroup } from '../src/messaging/collector';
import { detectorGroup } from '../src/messaging/detector';
import { filterGroup } from '../src/messaging/filter';
import {
  blockRequestCodec,
  blockStateCodec,
  feedCodec,
  messageCodec,
  receivedCodec,
  spamCounterCodec,
  type Message,
} from '../src/messaging/model';
import { messagingTopics } from '../src/messaging/topics';
import { translatorGroup } from '../src/messaging/translator';

// The processors' logic on the tester's in-memory Kafka: every feed returns once all follow-up work
// (table writes, emits, loopbacks, other processors) is done.
const topics = messagingTopics('unit-');
let t: Tester;
beforeEach(() => (t = new Tester()));
afterEach(() => t.close());

const send = (message: Message) => t.feed(topics.sent, message.from, message, { codec: messageCodec });

describe('blocker', () => {
  it('blocks on a request and deletes the entry on unblock', async () => {
    await t.start(new Processor(blockerGroup(topics), t.processorOptions()));
    await t.feed(topics.blockRequests, 'mallory', { reason: 'test' }, { codec: blockRequestCodec });
    expect(await t.tableValue(topics.tables.blocked, 'mallory', blockStateCodec)).toEqual({ blocked: true, reason: 'test' });
    await t.feed(topics.blockRequests, 'mallory', { unblock: true }, { codec: blockRequestCodec });
    expect(await t.tableValue(topics.tables.blocked, 'mallory', blockStateCodec)).toBeUndefined();
  });

  it('ignores unblocking a user who is not blocked', async () => {
    await t.start(new Processor(blockerGroup(topics), t.processorOptions()));
    const table = t.track(topics.tables.blocked);
    await t.feed(topics.blockRequests, 'alice', { unblock: true }, { codec: blockRequestCodec });
    table.expectEmpty();
  });
});

describe('translator', () => {
  it('keeps the latest translation of a word and removes it on an empty one', async () => {
    await t.start(new Processor(translatorGroup(topics), t.processorOptions()));
    await t.feed(topics.translations, 'hello', 'hallo', { codec: stringCodec });
    await t.feed(topics.translations, 'hello', 'servus', { codec: stringCodec });
    expect(await t.tableValue(topics.tables.translations, 'hello', stringCodec)).toBe('servus');
    await t.feed(topics.translations, 'hello', '', { codec: stringCodec });
    expect(await t.tableValue(topics.tables.translations, 'hello', stringCodec)).toBeUndefined();
  });
});

describe('collector', () => {
  it('appends received messages to the recipient feed and keeps only the newest', async () => {
    await t.start(new Processor(collectorGroup(topics, 3), t.processorOptions()));
    for (let i = 1; i <= 4; i++) await t.feed(topics.received, 'bob', { from: 'alice', to: 'bob', content: `m${i}` }, { codec: receivedCodec });
    await t.feed(topics.received, 'carol', { from: 'alice', to: 'carol', content: 'hi' }, { codec: receivedCodec });
    const bob = await t.tableValue(topics.tables.feeds, 'bob', feedCodec);
    expect(bob?.map((m) => m.content)).toEqual(['m2', 'm3', 'm4']);
    expect(await t.tableValue(topics.tables.feeds, 'carol', feedCodec)).toEqual([{ from: 'alice', to: 'carol', content: 'hi' }]);
  });
});

describe('filter', () => {
  it('forwards messages keyed by recipient, translating known words', async () => {
    await t.setTableValue(topics.tables.translations, 'hello', 'hallo', stringCodec);
    await t.setTableValue(topics.tables.translations, 'world', 'Welt', stringCodec);
    const received = t.track(topics.received, receivedCodec);
    await t.start(new Processor(filterGroup(topics), t.processorOptions()));

    await send({ from: 'alice', to: 'bob', content: 'Hello world!' });
    await send({ from: 'alice', to: 'bob', content: 'nothing to translate' });
    expect(received.next()).toMatchObject({ key: 'bob', value: { from: 'alice', to: 'bob', content: 'Hallo Welt!', original: 'Hello world!' } });
    expect(received.next()).toMatchObject({ key: 'bob', value: { from: 'alice', to: 'bob', content: 'nothing to translate' } });
    received.expectEmpty();
  });

  it('drops messages of blocked senders, and forwards again after an unblock', async () => {
    const received = t.track(topics.received, receivedCodec);
    await t.start(new Processor(filterGroup(topics), t.processorOptions()));
    await t.setTableValue(topics.tables.blocked, 'mallory', { blocked: true }, blockStateCodec);

    await send({ from: 'mallory', to: 'bob', content: 'spam' });
    await send({ from: 'alice', to: 'bob', content: 'not spam' });
    expect(received.drain().map((r) => r.value?.from)).toEqual(['alice']);

    await t.setTableValue(topics.tables.blocked, 'mallory', null, blockStateCodec);
    await send({ from: 'mallory', to: 'bob', content: 'sorry' });
    expect(received.next()).toMatchObject({ key: 'bob', value: { from: 'mallory', content: 'sorry' } });
  });
});

describe('detector', () => {
  const rule = { minSent: 3, maxSentRate: 0.75 };

  it('counts sent messages for the sender and, through the loop, received ones for the recipient', async () => {
    await t.start(new Processor(detectorGroup(topics, rule), t.processorOptions()));
    await send({ from: 'alice', to: 'bob', content: '1' });
    await send({ from: 'alice', to: 'bob', content: '2' });
    await send({ from: 'bob', to: 'alice', content: '3' });
    const table = topics.groups.detector + '-table';
    expect(await t.tableValue(table, 'alice', spamCounterCodec)).toEqual({ sent: 2, received: 1, reported: false });
    expect(await t.tableValue(table, 'bob', spamCounterCodec)).toEqual({ sent: 1, received: 2, reported: false });
  });

  it('emits one block request for a user who mostly sends, none for one who also receives', async () => {
    const requests = t.track(topics.blockRequests, blockRequestCodec);
    await t.start(new Processor(detectorGroup(topics, rule), t.processorOptions()));
    for (let i = 0; i < 2; i++) await send({ from: 'spammer', to: 'alice', content: `buy #${i}` });
    requests.expectEmpty(); // fewer than minSent
    await send({ from: 'spammer', to: 'alice', content: 'buy #2' });
    expect(requests.next()).toMatchObject({ key: 'spammer', value: { reason: 'spam detector: sent 3, received 0' } });
    for (let i = 3; i < 6; i++) await send({ from: 'spammer', to: 'alice', content: `buy #${i}` });
    requests.expectEmpty(); // reported once

    // alice sends as much, but received 6 messages: her rate is 4 / 10.
    for (let i = 0; i < 4; i++) await send({ from: 'alice', to: 'bob', content: `hi #${i}` });
    requests.expectEmpty();
  });
});

describe('all processors together', () => {
  it('blocks a spammer end to end: detector -> blocker -> filter', async () => {
    const rule = { minSent: 3, maxSentRate: 0.9 };
    const received = t.track(topics.received, receivedCodec);
    await t.start(new Processor(blockerGroup(topics), t.processorOptions()));
    await t.start(new Processor(translatorGroup(topics), t.processorOptions()));
    await t.start(new Processor(collectorGroup(topics), t.processorOptions()));
    await t.start(new Processor(detectorGroup(topics, rule), t.processorOptions()));
    await t.start(new Processor(filterGroup(topics), t.processorOptions()));

    await t.feed(topics.translations, 'cheap', 'billig', { codec: stringCodec });
    for (let i = 0; i < 5; i++) await send({ from: 'spammer', to: 'bob', content: `cheap stuff #${i}` });

    // Each feed waits until everything is idle, so the block is in place right after the third message.
    expect(received.drain().map((r) => r.value?.content)).toEqual(['billig stuff #0', 'billig stuff #1', 'billig stuff #2']);
    expect(await t.tableValue(topics.tables.blocked, 'spammer', blockStateCodec)).toMatchObject({ blocked: true });
    expect((await t.tableValue(topics.tables.feeds, 'bob', feedCodec))?.length).toBe(3);
  });
});
