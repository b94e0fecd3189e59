import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

export interface IdpUser {
  email: string;
  name?: string;
  groups?: string[];
  /** Sent as email_verified (default true). */
  emailVerified?: boolean;
}

export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  users: Map<string, IdpUser>;
  /** Offboarded at the IdP: sign-in and refresh fail for these subjects. */
  disabled: Set<string>;
  /** Who the next browser sign-in is (the IdP's login page, answered by the test); undefined refuses. */
  nextLogin: string | undefined;
  close(): Promise<void>;
}

/**
 * panva's oidc-provider on loopback as the company IdP: authorization code + PKCE, refresh
 * tokens, a groups claim. Its login and consent interaction is answered in-process with the
 * account in `nextLogin`, the way a person would click through it.
 */
export async function startTestIdp(redirectUris: string[]): Promise<TestIdp> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const idp: TestIdp = {
    issuer,
    clientId: 'ccag-gateway',
    clientSecret: 'idp-client-secret-0123456789',
    users: new Map(),
    disabled: new Set(),
    nextLogin: undefined,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: idp.clientId,
        client_secret: idp.clientSecret,
        redirect_uris: redirectUris,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'test-rsa', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: ['test-idp-cookie-key'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }) => client.grantTypeAllowed('refresh_token'),
    async findAccount(_ctx: unknown, sub: string) {
      const user = idp.users.get(sub);
      if (!user || idp.disabled.has(sub)) return undefined;
      return { accountId: sub, claims: async () => ({ sub, email: user.email, email_verified: user.emailVerified ?? true, name: user.name, groups: user.groups ?? [] }) };
    },
  });
  const handle = provider.callback();
  server.on('request', (req, res) => {
    if (!req.url?.startsWith('/interaction/')) return handle(req, res);
    void (async () => {
      const details = await provider.interactionDetails(req, res);
      const accountId = idp.nextLogin;
      if (!accountId || idp.disabled.has(accountId)) {
        await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'the user did not sign in' }, { mergeWithLastSubmission: false });
        return;
      }
      const grant = new provider.Grant({ accountId, clientId: details.params.client_id as string });
      grant.addOIDCScope(details.params.scope as string);
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
    })().catch((err) => {
      res.statusCode = 500;
      res.end(String(err));
    });
  });
  return idp;
}
