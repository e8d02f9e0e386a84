import type http from 'node:http';
import { createJsonServer, HttpError, readJsonBody, requireMethod, type JsonResponse } from '../http';
import type { MessagingApp } from './app';
import { parseBlock, parseSend, parseTranslate, parseUser } from './validate';

/**
 * The messaging app's HTTP API (JSON in, JSON out):
 * - `POST /send {from, to, content}`: sends a message (202: accepted, delivery is asynchronous);
 * - `GET /:user/feed`: the messages the user received, oldest first;
 * - `POST /block {user, unblock?}`: blocks (or unblocks) a sender;
 * - `GET /:user/blocked`: whether the user is blocked;
 * - `POST /translate {word, translation}`: adds a translation (empty removes it);
 * - `GET /translations`: every translation.
 * Writes answer 202 once Kafka acknowledged the request, with where it was written.
 */
export function createMessagingServer(app: MessagingApp, options: { bodyLimitBytes?: number } = {}): http.Server {
  const body = (req: http.IncomingMessage) => readJsonBody(req, options.bodyLimitBytes);
  return createJsonServer(async (req, url): Promise<JsonResponse> => {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    switch (path) {
      case '/send': {
        requireMethod(req, 'POST');
        const message = parseSend(await body(req));
        return accepted(await app.send(message));
      }
      case '/block': {
        requireMethod(req, 'POST');
        const { user, unblock } = parseBlock(await body(req));
        return accepted(await (unblock ? app.unblock(user) : app.block(user, 'blocked through the API')));
      }
      case '/translate': {
        requireMethod(req, 'POST');
        const { word, translation } = parseTranslate(await body(req));
        return accepted(await app.translate(word, translation));
      }
      case '/translations': {
        requireMethod(req, 'GET');
        return { status: 200, body: Object.fromEntries(await app.translations()) };
      }
    }
    const userPath = /^\/([^/]+)\/(feed|blocked)$/.exec(path);
    if (userPath) {
      requireMethod(req, 'GET');
      const user = parseUser(decodeSegment(userPath[1]));
      if (userPath[2] === 'feed') return { status: 200, body: { user, messages: await app.feed(user) } };
      const state = await app.blockState(user);
      return { status: 200, body: { user, blocked: state !== undefined, ...(state?.reason ? { reason: state.reason } : {}) } };
    }
    throw new HttpError(404, `no route for ${req.method} ${url.pathname}; see GET /:user/feed, POST /send, POST /block, POST /translate`);
  });
}

function accepted(result: { topic: string; partition: number; offset: number }): JsonResponse {
  return { status: 202, body: { accepted: true, topic: result.topic, partition: result.partition, offset: result.offset } };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `invalid URL encoding in "${segment}"`);
  }
}
