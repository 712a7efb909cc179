// Bearer-token auth: every route requires `Authorization: Bearer <API_TOKEN>` except an explicit
// public list (/health, /livez and the docs). Protecting by default means a new route cannot skip auth.
// The scheme is matched case-insensitively (RFC 7235 §2.1: `bearer`, `BEARER` are the same scheme);
// the token is compared in constant time as SHA-256 digests, so neither its length nor any prefix
// shows in the timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { sendError } from './errors';

export const PUBLIC_PATHS = ['/health', '/livez', '/docs'];

export function isPublicPath(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return PUBLIC_PATHS.some((p) => path === p || path.startsWith(`${p}/`));
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * True when `header` is `<scheme> <token>` with the Bearer scheme in any case and exactly the token
 * whose SHA-256 digest is `expected`. Spaces around the token are allowed (RFC 7235: 1*SP).
 */
export function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const h = header ?? '';
  const sp = h.indexOf(' ');
  const schemeOk = sp > 0 && h.slice(0, sp).toLowerCase() === 'bearer';
  // Always compare (an empty token when there is none): the same work whatever the header holds.
  const tokenOk = timingSafeEqual(digest(sp > 0 ? h.slice(sp + 1).trim() : ''), expected);
  return schemeOk && tokenOk;
}

async function authPlugin(app: FastifyInstance, opts: { token: string }) {
  const expected = digest(opts.token);
  // Callback style (no promise per request); a refusal replies and does not call done().
  app.addHook('onRequest', (request, reply, done) => {
    if (isPublicPath(request.url)) return done();
    if (!bearerMatches(request.headers.authorization, expected)) {
      reply.header('WWW-Authenticate', 'Bearer');
      sendError(reply, 401, 'unauthorized', 'missing or invalid bearer token');
      return;
    }
    done();
  });
}

export default fp(authPlugin, { name: 'auth', dependencies: ['errors'] });
