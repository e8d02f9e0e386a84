import type http from 'node:http';
import { createJsonServer, HttpError, requireMethod } from '../http';
import type { UserClicks } from './group';

/** The part of a View (or anything else) the server reads. */
export interface ClicksSource {
  get(user: string): Promise<UserClicks | undefined>;
}

const USER = /^[A-Za-z0-9._-]{1,64}$/;

/** `GET /:user` -> `{ user, clicks, lastPage }` from the view; 404 for users without clicks. */
export function createClicksServer(view: ClicksSource): http.Server {
  return createJsonServer(async (req, url) => {
    const match = /^\/([^/]+)\/?$/.exec(url.pathname);
    if (!match) throw new HttpError(404, `no route for ${url.pathname}; use GET /:user`);
    requireMethod(req, 'GET');
    let user: string;
    try {
      user = decodeURIComponent(match[1]);
    } catch {
      throw new HttpError(400, `invalid URL encoding in "${match[1]}"`);
    }
    if (!USER.test(user)) throw new HttpError(400, `user must be 1-64 letters, digits, ".", "_" or "-", got ${JSON.stringify(user)}`);
    const clicks = await view.get(user);
    if (!clicks) throw new HttpError(404, `no clicks for user ${JSON.stringify(user)}`);
    return { status: 200, body: { user, ...clicks } };
  });
}
