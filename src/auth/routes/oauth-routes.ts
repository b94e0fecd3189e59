import type { FastifyInstance, FastifyReply } from 'fastify';
import { GatewayError } from '../../api/errors.js';
import type { Services } from '../../server/services.js';
import { anonymous } from '../access.js';
import { AttemptThrottle } from '../attempt-throttle.js';
import { authorizeDevice, exchangeDeviceCode } from '../device-flow.js';
import { invalidRequestOAuth, OAuthError } from '../oauth-error.js';

const deviceCodeGrant = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * The OAuth endpoints of device login (RFC 8628 with RFC 6749 token responses, RFC 7009
 * revocation). Form-encoded (JSON accepted too); errors in RFC 6749 §5.2 shape, never cached.
 */
export async function oauthRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { db, config, sso } = services;
  const authorizations = new AttemptThrottle(30, 10 * 60_000);

  app.setErrorHandler((err, req, reply) => {
    const error = toOAuthError(err);
    if (error.status >= 500) req.log.error({ err }, 'oauth request failed');
    return reply.code(error.status).header('cache-control', 'no-store').send({ error: error.error, error_description: error.description });
  });

  app.post('/oauth/device/code', { config: { access: anonymous } }, async (req, reply) => {
    const body = form(req.body);
    const clientId = body.client_id;
    // RFC 6749 A.1: a client_id is visible ASCII (a NUL, for one, cannot even be stored).
    if (!clientId || clientId.length > 100 || !/^[\x20-\x7e]+$/.test(clientId)) throw invalidRequestOAuth('client_id is required: up to 100 visible ASCII characters');
    const wait = authorizations.take(req.ip);
    if (wait) {
      reply.header('retry-after', String(wait));
      throw new OAuthError('slow_down', `too many device logins from this address; try again in ${wait} s`, 429);
    }
    const authorization = await authorizeDevice(db, {
      clientId,
      publicUrl: config.publicUrl,
      intervalSeconds: config.devicePollIntervalSeconds,
      ip: req.ip,
      userAgent: req.headers['user-agent'],
    });
    return noStore(reply).send(authorization);
  });

  app.post('/oauth/token', { config: { access: anonymous } }, async (req, reply) => {
    const body = form(req.body);
    if (body.grant_type === deviceCodeGrant) {
      if (!body.device_code) throw invalidRequestOAuth('device_code is required');
      return noStore(reply).send(await exchangeDeviceCode(db, sso.deviceSessions, body.device_code, body.client_id));
    }
    if (body.grant_type === 'refresh_token') {
      if (!body.refresh_token) throw invalidRequestOAuth('refresh_token is required');
      return noStore(reply).send(await sso.deviceSessions.refresh(body.refresh_token));
    }
    if (!body.grant_type) throw invalidRequestOAuth('grant_type is required');
    throw new OAuthError('unsupported_grant_type', `grant_type ${body.grant_type} is not supported; use ${deviceCodeGrant} or refresh_token`);
  });

  // RFC 7009: the answer is 200 whether or not the token was known.
  app.post('/oauth/revoke', { config: { access: anonymous } }, async (req, reply) => {
    const token = form(req.body).token;
    if (!token) throw invalidRequestOAuth('token is required');
    await sso.deviceSessions.revoke(token);
    return noStore(reply).send({});
  });
}

function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

/** The request's parameters as strings (a form body, or a JSON object of strings). */
function form(body: unknown): Record<string, string | undefined> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
  return Object.fromEntries(Object.entries(body as Record<string, unknown>).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

function toOAuthError(err: unknown): OAuthError {
  if (err instanceof OAuthError) return err;
  if (err instanceof GatewayError && err.status < 500) return new OAuthError('invalid_request', err.message, err.status);
  const status = (err as { statusCode?: number }).statusCode;
  if (status && status < 500) return new OAuthError('invalid_request', (err as Error).message, status);
  return new OAuthError('server_error', 'the gateway could not complete this request', 500);
}
