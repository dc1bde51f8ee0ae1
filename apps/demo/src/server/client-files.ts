import { existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Files Vite names after their content: they never change, so browsers may keep them for a year. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Everything else (index.html, sw.js, the web app manifest, icons) is revalidated on every use. */
export const REVALIDATE = 'no-cache';

/** The Cache-Control for a built file, by its path relative to the client directory. */
export function cacheControlFor(relativePath: string): string {
  return relativePath.split(sep).join('/').startsWith('assets/') ? IMMUTABLE : REVALIDATE;
}

/**
 * Serves the built client from `clientDir`, and answers unknown GET navigations outside `/api/` with index.html
 * so the app's router can handle deep links (`/music` reloaded). Everything else unknown is a JSON 404.
 */
export function serveClient(app: FastifyInstance, clientDir: string): void {
  if (!existsSync(join(clientDir, 'index.html'))) {
    throw new Error(`no built client in ${clientDir}: run \`npm run build\` first`);
  }
  app.register(fastifyStatic, {
    root: clientDir,
    prefix: '/',
    cacheControl: false,
    setHeaders(res, path) {
      res.setHeader('cache-control', cacheControlFor(relative(clientDir, path)));
    },
  });

  app.setNotFoundHandler((request, reply) => {
    if (isAppNavigation(request)) return reply.sendFile('index.html');
    return notFound(request, reply);
  });
}

function isAppNavigation(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = request.url.split('?', 1)[0] ?? '/';
  if (path === '/api' || path.startsWith('/api/')) return false;
  // Only pages: a missing script or image must stay a 404, never become HTML with status 200.
  return (request.headers.accept ?? '').includes('text/html');
}

function notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = request.url.split('?', 1)[0];
  return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `${request.method} ${path} not found` });
}
