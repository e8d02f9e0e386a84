import type { ProduceResult } from '@goka-ts/api';
import type { MessagingApp } from './app';
import type { BlockState, Message, ReceivedMessage } from './model';

/** What happened to one sent message. */
export interface MessageOutcome {
  readonly message: Message;
  /** How it arrived in the recipient's feed, or undefined when the filter dropped it. */
  readonly delivered?: ReceivedMessage;
}

export interface DemoResult {
  readonly translations: ReadonlyMap<string, string>;
  readonly outcomes: readonly MessageOutcome[];
  readonly blocked: ReadonlyMap<string, BlockState>;
  readonly feeds: ReadonlyMap<string, readonly ReceivedMessage[]>;
}

const TRANSLATIONS: readonly [string, string][] = [
  ['hello', 'hallo'],
  ['world', 'Welt'],
  ['friend', 'Freund'],
  ['thanks', 'danke'],
];

/**
 * Sends some traffic through a running messaging app and reports what happened: a conversation with
 * translated words, a spammer whom the detector blocks, and a user blocked and unblocked by hand.
 * `spamBurst` is how many messages the spammer sends before being blocked (the detector's `minSent`).
 */
export async function runDemo(app: MessagingApp, spamBurst: number, out: (line: string) => void): Promise<DemoResult> {
  const sent: Message[] = [];
  const send = async (from: string, to: string, content: string): Promise<ProduceResult> => {
    const message = { from, to, content };
    sent.push(message);
    return app.send(message);
  };

  await Promise.all(TRANSLATIONS.map(([word, translation]) => app.translate(word, translation)));
  for (const [word, translation] of TRANSLATIONS) await app.waitTranslation(word, translation);
  out(`Added ${TRANSLATIONS.length} translations.`);

  await send('alice', 'bob', 'Hello Bob, how is the world treating you?');
  await send('bob', 'alice', 'Hello friend, all good here. Thanks for asking!');
  await send('carol', 'bob', 'Lunch at noon?');

  // The spammer only sends and never receives: after `spamBurst` messages the detector asks the
  // blocker to block them, and once the filter sees the block, the rest are dropped.
  const recipients = ['alice', 'bob', 'carol'];
  for (let i = 1; i <= spamBurst; i++) await send('spammer', recipients[i % recipients.length], `Cheap watches, click here! (#${i})`);
  await app.waitBlockState('spammer', true);
  out(`The spammer sent ${spamBurst} messages without receiving any: the spam detector had them blocked.`);
  for (let i = spamBurst + 1; i <= spamBurst + 2; i++) await send('spammer', recipients[i % recipients.length], `Cheap watches, click here! (#${i})`);

  // A block by hand (what POST /block does), and an unblock.
  await app.waitFiltered(await send('dave', 'carol', 'Hi Carol, got a minute?'));
  await app.block('dave', 'reported by carol');
  await app.waitBlockState('dave', true);
  out('Blocked dave by hand.');
  await send('dave', 'carol', 'Why are you not answering???');
  await app.unblock('dave');
  await app.waitBlockState('dave', false);
  out('Unblocked dave.');
  await send('dave', 'carol', 'Sorry about that, thanks for unblocking me.');

  await app.waitDelivered();
  const feeds = await app.feeds();
  const result: DemoResult = {
    translations: await app.translations(),
    outcomes: sent.map((message) => ({ message, delivered: feeds.get(message.to)?.find((m) => m.from === message.from && (m.original ?? m.content) === message.content) })),
    blocked: await app.blockedUsers(),
    feeds,
  };
  report(result, out);
  return result;
}

function report(result: DemoResult, out: (line: string) => void): void {
  out('');
  out(`Translations: ${[...result.translations].sort(([a], [b]) => a.localeCompare(b)).map(([word, translation]) => `${word} -> ${translation}`).join(', ')}`);
  out('');
  out('Who sent what:');
  for (const { message, delivered } of result.outcomes) {
    const what = `  ${message.from} -> ${message.to}: ${JSON.stringify(message.content)}`;
    if (!delivered) out(`${what}  [DROPPED: ${message.from} was blocked]`);
    else if (delivered.original !== undefined) out(`${what}  [translated: ${JSON.stringify(delivered.content)}]`);
    else out(what);
  }
  const dropped = result.outcomes.filter((outcome) => !outcome.delivered).length;
  out(`  (${result.outcomes.length} sent, ${result.outcomes.length - dropped} delivered, ${dropped} dropped)`);
  out('');
  out(`Blocked now: ${[...result.blocked].map(([user, state]) => `${user}${state.reason ? ` (${state.reason})` : ''}`).join(', ') || 'nobody'}`);
  out('');
  out('Feeds:');
  for (const [user, feed] of [...result.feeds].sort(([a], [b]) => a.localeCompare(b))) {
    out(`  ${user}: ${feed.length} message${feed.length === 1 ? '' : 's'}`);
    for (const message of feed) out(`    from ${message.from}: ${JSON.stringify(message.content)}`);
  }
}
