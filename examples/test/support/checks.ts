/** Checks of the examples' output shared by the embedded and real-broker tests. */

export function expectSimplestOutput(lines: string[]): void {
  expect(lines.filter((line) => line.startsWith('emitted '))).toHaveLength(10);
  expect(lines).toEqual(expect.arrayContaining(['user-a has 4 messages', 'user-b has 3 messages', 'user-c has 3 messages']));
}

export function expectClicksOutput(lines: string[]): void {
  expect(lines).toContain('emitted 12 clicks for user-0, user-1, user-2');
  expect(lines).toContain('GET /user-0 -> 200 {"user":"user-0","clicks":4,"lastPage":"/home"}');
  expect(lines).toContain('GET /user-2 -> 200 {"user":"user-2","clicks":4,"lastPage":"/cart"}');
  expect(lines).toContain('GET /nobody -> 404 {"error":"no clicks for user \\"nobody\\""}');
}

export function expectDeferredCommitOutput(lines: string[]): void {
  const mails = lines.filter((line) => line.startsWith('mail to '));
  expect(mails).toHaveLength(8);
  for (let i = 1; i <= 8; i++) expect(mails.some((mail) => mail.includes(`order order-${i} `))).toBe(true);
  expect(lines.some((line) => line.includes('(8 of 8 orders committed'))).toBe(true);
}

export function expectRedisStorageOutput(lines: string[]): void {
  expect(lines).toContain('first run, 6 page views: /home 2, /products 2, /cart 2');
  expect(lines).toContain('second run, 3 more: /home 3, /products 3, /cart 3');
  expect(lines.some((line) => /the second run read 0 of the [1-9]\d* records/.test(line))).toBe(true);
  expect(lines.some((line) => /Redis holds the table in [1-9]\d* keys/.test(line))).toBe(true);
}

/** The facts of the messaging demo that do not depend on timing. */
export function expectMessagingOutput(text: string): void {
  expect(text).toContain('Translations: friend -> Freund, hello -> hallo, thanks -> danke, world -> Welt');
  expect(text).toContain('alice -> bob: "Hello Bob, how is the world treating you?"  [translated: "Hallo Bob, how is the Welt treating you?"]');
  expect(text).toContain('carol -> bob: "Lunch at noon?"\n');
  // Sent after the block took effect in the filter: always dropped.
  expect(text).toContain('spammer -> alice: "Cheap watches, click here! (#6)"  [DROPPED: spammer was blocked]');
  expect(text).toContain('spammer -> bob: "Cheap watches, click here! (#7)"  [DROPPED: spammer was blocked]');
  expect(text).toContain('dave -> carol: "Why are you not answering???"  [DROPPED: dave was blocked]');
  expect(text).toContain('dave -> carol: "Sorry about that, thanks for unblocking me."  [translated: "Sorry about that, danke for unblocking me."]');
  expect(text).toMatch(/\(13 sent, \d+ delivered, \d+ dropped\)/);
  expect(text).toContain('Blocked now: spammer (spam detector: sent 5, received 0)\n');
  expect(text).toContain('from bob: "Hallo Freund, all good here. Danke for asking!"');
  expect(text).toMatch(/Stopping \.\.\.\nStopped\.\n?$/);
}

export function expectMonitoringOutput(lines: string[]): void {
  expect(lines).toContain('emitted 9 page views');
  expect(lines.some((line) => /^monitor: processor \S*page-counter is running with 4 partitions$/.test(line))).toBe(true);
  expect(lines.some((line) => /^monitor: view \S*page-counter-table is running$/.test(line))).toBe(true);
  expect(lines).toContain('monitor: /home has 3 views');
  expect(lines).toContain('metrics: goka_processor_input_messages_total adds up to 9');
}
