/**
 * The goka-ts examples as a library, for tests and for trying pieces in a REPL. Each example also
 * runs on its own: `node examples/dist/<example>/main.js` (see examples/README.md).
 */
export { createExampleClient, parseBrokers } from './client';
export type { ExampleClient, ExampleClientOptions } from './client';
export { Components } from './components';
export { createJsonServer, readJsonBody, HttpError, listen, closeServer } from './http';
export { waitFor } from './wait';
export { waitProcessed, countRecords } from './progress';

export { counterGroup } from './simplest/counter';
export { runSimplest, main as simplestMain } from './simplest/main';
export { clicksGroup } from './clicks/group';
export { createClicksServer } from './clicks/server';
export { startClicks, runClicksDemo, main as clicksMain } from './clicks/main';
export { MessagingApp } from './messaging/app';
export { createMessagingServer } from './messaging/api';
export { messagingTopics } from './messaging/topics';
export { runDemo as runMessagingDemo } from './messaging/demo';
export { main as messagingMain } from './messaging/main';
export { runRedisStorage, main as redisStorageMain } from './redis-storage/main';
export { notifierGroup } from './deferred-commit/notifier';
export { runDeferredCommit, main as deferredCommitMain } from './deferred-commit/main';
export { pointCodec } from './custom-codec';
export type { Point } from './custom-codec';
