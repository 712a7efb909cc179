// Bearer-token auth: every route requires `Authorization: Bearer <API_TOKEN>` except an explicit
// public list (/health, /livez and the docs). Protecting by default means a new route cannot skip auth.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { sendError } from './errors';

export const PUBLIC_PATHS = ['/health', '/livez', '/docs'];

export function isPublicPath(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return PUBLIC_PATHS.some((p) => path === p || path.startsWith(`${p}/`));
}

async function authPlugin(app: FastifyInstance, opts: { token: string }) {
  const expected = Buffer.from(`Bearer ${opts.token}`);
  app.addHook('onRequest', async (request, reply) => {
    if (isPublicPath(request.url)) return;
    const given = Buffer.from(request.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      reply.header('WWW-Authenticate', 'Bearer');
      return sendError(reply, 401, 'unauthorized', 'missing or invalid bearer token');
    }
  });
}

export default fp(authPlugin, { name: 'auth', dependencies: ['errors'] });
