import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { notFound } from '../api/errors.js';
import { anonymous } from '../auth/access.js';
import type { Services } from './services.js';

/** Same place from src/server and dist/server. */
const templatesDir = new URL('../../templates/', import.meta.url);
/** Built by scripts/build-cli-bundle.mjs (`npm run build`). */
export const cliBundlePath = new URL('../../dist/setup/ccag.tgz', import.meta.url);

/** One POSIX shell word: single quotes, each `'` written as `'\''`. */
export const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
/** One PowerShell word: single quotes, each `'` doubled. */
export const powershellQuote = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Fills a setup template: quoted values for the code, the bare URL only in comments. */
export function renderSetupScript(template: string, publicUrl: string, version: string): string {
  const values: Record<string, string> = {
    __CCAG_PUBLIC_URL__: publicUrl.replace(/[\u0000-\u001f\u007f]/g, ''),
    __CCAG_PUBLIC_URL_SH__: shellQuote(publicUrl),
    __CCAG_PUBLIC_URL_PS__: powershellQuote(publicUrl),
    __CCAG_VERSION_SH__: shellQuote(version),
    __CCAG_VERSION_PS__: powershellQuote(version),
  };
  return template.replace(/__CCAG_[A-Z_]+?__/g, (name) => values[name] ?? name);
}

/**
 * Developer onboarding from the gateway itself: `curl -fsSL URL/setup | sh` and
 * `irm URL/setup.ps1 | iex` install the CLI bundle served at /setup/ccag.tgz and run
 * `ccag connect`. The scripts name the configured public URL, never the request's Host.
 */
export async function setupRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { config, version } = services;
  const [sh, ps1] = await Promise.all(['setup.sh', 'setup.ps1'].map((name) => readFile(new URL(name, templatesDir), 'utf8')));
  let bundle: { data: Buffer; etag: string } | undefined;

  app.get('/setup', { config: { access: anonymous } }, async (_req, reply) =>
    reply
      .type('text/x-shellscript; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(renderSetupScript(sh!, config.publicUrl, version)),
  );

  app.get('/setup.ps1', { config: { access: anonymous } }, async (_req, reply) =>
    reply
      .type('text/plain; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(renderSetupScript(ps1!, config.publicUrl, version)),
  );

  app.get('/setup/ccag.tgz', { config: { access: anonymous } }, async (req, reply) => {
    if (!bundle) {
      let data: Buffer;
      try {
        data = await readFile(cliBundlePath);
      } catch {
        throw notFound('this gateway has no CLI bundle to serve (it is built by `npm run build`); install ccag with npm instead');
      }
      bundle = { data, etag: `"ccag-${version}-${createHash('sha256').update(data).digest('hex').slice(0, 16)}"` };
    }
    reply.header('etag', bundle.etag).header('cache-control', 'no-cache');
    if (req.headers['if-none-match'] === bundle.etag) return reply.code(304).send();
    return reply
      .type('application/gzip')
      .header('content-disposition', `attachment; filename="ccag-${version}.tgz"`)
      .send(bundle.data);
  });
}
