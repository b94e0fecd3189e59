import type { FastifyReply } from 'fastify';
import { GatewayError } from '../../api/errors.js';
import { IdpRefusal, IdpUnavailable } from '../oidc/relying-party.js';
import { SsoRefusal } from '../sso-user.js';

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const style = `body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.4rem}form{margin:1rem 0}label{display:block;margin:.6rem 0 .2rem}
input{font-size:1rem;padding:.45rem;width:100%;box-sizing:border-box}
button{font-size:1rem;padding:.5rem 1rem;margin:.6rem .4rem 0 0;cursor:pointer}
.code{font-family:ui-monospace,monospace;font-size:1.6rem;letter-spacing:.15rem}.error{color:#b42318}.muted{color:#59636e;font-size:.9rem}`;

/** Sends a small server-rendered page: no scripts, a strict CSP, never framed, never cached. */
export function sendPage(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
      `<title>${escapeHtml(title)} · ccag</title><style>${style}</style></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`);
}

/** Errors of the browser pages as a page, not JSON: what went wrong and what to do. */
export function sendErrorPage(reply: FastifyReply, err: unknown, known: (err: unknown) => number | undefined): FastifyReply {
  const status = known(err);
  if (status === undefined) {
    reply.request.log.error({ err }, 'sign-in page failed');
    return sendPage(reply, 500, 'Sign-in failed', '<p>Something went wrong on the gateway. Try again; if it keeps failing, tell your admin.</p>');
  }
  return sendPage(reply, status, 'Sign-in failed', `<p class="error" role="alert">${escapeHtml((err as Error).message)}</p>`);
}

/** The status a sign-in page shows for an error it knows; undefined for a fault of the gateway. */
export function signInErrorStatus(err: unknown): number | undefined {
  if (err instanceof SsoRefusal || err instanceof IdpRefusal) return 403;
  if (err instanceof IdpUnavailable) return 502;
  if (err instanceof GatewayError && err.status < 500) return err.status;
  return undefined;
}
