// Serves the bundled web UI (northbound/dashboard/build.ts writes it) at /dashboard/: hashed assets are immutable
// and cached for a year; index.html is revalidated every time, so a new build is picked up on the next load.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where build.ts writes the bundle: dist/dashboard/ (next to dist/northbound/). */
export const WEB_ROOT = join(__dirname, '..', '..', 'dashboard');
export const DASHBOARD_PREFIX = '/dashboard/';

export async function registerDashboardStatic(app: FastifyInstance, root = WEB_ROOT): Promise<void> {
  if (!existsSync(join(root, 'index.html'))) {
    app.log.warn({ root }, 'dashboard not built (npm run build); /dashboard/ is not served');
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: DASHBOARD_PREFIX,
    index: ['index.html'],
    cacheControl: false,
    etag: true,
    lastModified: true,
    setHeaders: (reply, path) => {
      reply.header(
        'cache-control',
        path.includes(`${join(root, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect(DASHBOARD_PREFIX));
  app.get('/dashboard', { schema: { hide: true } }, async (_req, reply) => reply.redirect(DASHBOARD_PREFIX));
}
