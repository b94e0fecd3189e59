import { Command } from 'commander';
import { request } from 'undici';
import type { Me, WellKnown } from '../../api/schemas.js';
import { action } from '../action.js';
import { CliError } from '../errors.js';

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  try {
    const res = await request(url, { headersTimeout: 10_000 });
    const text = await res.body.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // keep the text
    }
    return { status: res.statusCode, body };
  } catch (err) {
    throw new CliError(`cannot reach the gateway at ${url} (${(err as { code?: string }).code ?? (err as Error).message})`);
  }
}

export function statusCommand(): Command {
  return new Command('status').description('gateway health, version, and who you are signed in as').action(
    action(async (ctx) => {
      const url = ctx.gatewayUrl();
      const info = (await getJson(`${url}/.well-known/ccag.json`)).body as WellKnown;
      const ready = await getJson(`${url}/ready`);
      let me: Me | { error: string };
      try {
        me = await (await ctx.client()).call<Me>('GET', '/admin/v1/me');
      } catch (err) {
        me = { error: (err as Error).message };
      }
      const status = { gateway: url, version: info.version, ready: ready.status === 200, readiness: ready.body, me };
      if (ctx.out.mode === 'json') return ctx.out.json(status);
      const who = 'error' in me ? `not signed in (${me.error})` : `${me.user?.username ?? me.auth.key_prefix} (${me.role}, via ${me.auth.method})`;
      process.stdout.write(`Gateway:  ${url}\nVersion:  ${info.version}\nReady:    ${status.ready ? 'yes' : 'no'}\nSigned in: ${who}\n`);
      if (!status.ready) process.exitCode = 1;
    }),
  );
}
