import { readdir, readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { notFound } from '../api/errors.js';
import { anonymous } from '../auth/access.js';

/** Built by scripts/build-portal.mjs (`npm run build`): index.html and content-hashed assets. */
export const portalDir = new URL('../../dist/portal/', import.meta.url);

/**
 * The portal's pages load only the gateway's own scripts and styles: no inline script, no
 * CDN, no framing. Charts and components style elements through the CSSOM, which
 * `style-src 'self'` allows.
 */
export const portalCsp = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const securityHeaders = {
  'content-security-policy': portalCsp,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // same-origin, not no-referrer: the portal's own POSTs must carry its Origin for the CSRF check.
  'referrer-policy': 'same-origin',
};

const types: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Portal {
  index: Buffer;
  assets: Map<string, { data: Buffer; type: string }>;
}

async function loadPortal(): Promise<Portal | undefined> {
  try {
    const index = await readFile(new URL('index.html', portalDir));
    const assets = new Map<string, { data: Buffer; type: string }>();
    for (const name of await readdir(new URL('assets/', portalDir))) {
      const type = types[name.slice(name.lastIndexOf('.'))];
      if (type) assets.set(name, { data: await readFile(new URL(`assets/${name}`, portalDir)), type });
    }
    return { index, assets };
  } catch {
    return undefined;
  }
}

/**
 * The browser portal at /portal: hashed assets cached for a year, index.html for every
 * client route (the app routes in the browser) and revalidated each time, so a new build
 * is picked up on the next page load.
 */
export async function portalRoutes(app: FastifyInstance): Promise<void> {
  let portal: Portal | undefined;

  app.addHook('onSend', async (_req, reply) => {
    reply.headers(securityHeaders);
  });

  app.get('/portal', { config: { access: anonymous } }, async (_req, reply) => reply.redirect('/portal/', 301));

  app.get('/portal/*', { config: { access: anonymous } }, async (req, reply) => {
    portal ??= await loadPortal();
    if (!portal) throw notFound('this gateway has no portal to serve (it is built by `npm run build`)');
    const path = (req.params as { '*': string })['*'];
    const asset = path.startsWith('assets/') ? portal.assets.get(path.slice('assets/'.length)) : undefined;
    if (asset) return reply.type(asset.type).header('cache-control', 'public, max-age=31536000, immutable').send(asset.data);
    // A missing file is a 404; anything else is a page of the app.
    if (path.startsWith('assets/') || /\.[a-z0-9]+$/i.test(path)) throw notFound(`no file /portal/${path}`);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(portal.index);
  });
}
