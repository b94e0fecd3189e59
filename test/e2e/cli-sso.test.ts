import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ccag, cliHome } from '../helpers/cli.js';
import { adminToken, useTestGateway } from '../helpers/gateway.js';
import { approveDeviceLogin, HttpBrowser } from '../helpers/http-browser.js';
import { startTestIdp } from '../helpers/oidc-idp.js';

const env = useTestGateway('pglite', { devicePollIntervalSeconds: 1 });

test('an admin wires an IdP with the CLI; an admin signs in with login --sso and administers with it; devices are listed and signed out', async () => {
  const gw = env.gw.url;
  const idp = await startTestIdp([`${gw}/auth/oidc/callback`]);
  try {
    idp.users.set('u-ops', { email: 'ops@corp.example', groups: ['platform-admins'] });
    const admin = { env: { CCAG_URL: gw, CCAG_TOKEN: await adminToken(gw) } };

    const bad = await ccag(['idps', 'add', 'corp', '--issuer', idp.issuer, '--client-id', idp.clientId, '--map-group', 'platform-admins=:boss'], admin);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /role must be one of/);

    const added = await ccag(
      ['idps', 'add', 'corp', '--issuer', idp.issuer, '--client-id', idp.clientId, '--client-secret-stdin', '--scopes', 'openid profile email groups offline_access', '--map-group', 'platform-admins=:admin', '--allowed-domains', 'corp.example', '--json'],
      { ...admin, stdin: `${idp.clientSecret}\n` },
    );
    assert.equal(added.code, 0, added.stderr);
    const created = JSON.parse(added.stdout);
    assert.equal(created.has_client_secret, true);
    assert.deepEqual(created.group_mappings, [{ group: 'platform-admins', team: null, role: 'admin' }]);
    assert.ok(!added.stdout.includes(idp.clientSecret));

    const listed = await ccag(['idps', 'list'], admin);
    assert.match(listed.stdout, /corp\t/);
    assert.equal((await ccag(['idps', 'test', 'corp'], admin)).code, 0);
    const updated = await ccag(['idps', 'update', 'corp', '--no-auto-provision', '--json'], admin);
    assert.equal(JSON.parse(updated.stdout).auto_provision, false);
    assert.equal(JSON.parse((await ccag(['idps', 'update', 'corp', '--auto-provision', '--json'], admin)).stdout).auto_provision, true);

    // The person's side: `ccag login --sso` prints a link; the browser steps happen there.
    const home = cliHome();
    idp.nextLogin = 'u-ops';
    let approving: Promise<unknown> | undefined;
    const login = await ccag(['login', gw, '--sso'], {
      home,
      onStderr: (text) => {
        const link = /open (http\S+)/.exec(text)?.[1];
        if (link && !approving) approving = approveDeviceLogin(new HttpBrowser(), link);
      },
    });
    await approving;
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stderr, /Signed in to .* as ops@corp\.example \(admin\)/);
    const teams = await ccag(['teams', 'create', 'from-sso', '--json'], { home });
    assert.equal(teams.code, 0, teams.stderr);

    const audit = await ccag(['audit', '--since', '1d', '--actor', 'sso:', '--json'], admin);
    assert.equal(audit.code, 0, audit.stderr);
    const entries = JSON.parse(audit.stdout);
    assert.ok(entries.some((e: any) => e.actor === 'sso:corp' && e.action === 'user.provision'), audit.stdout);
    assert.ok(entries.every((e: any) => e.actor.startsWith('sso:')));

    const devices = await ccag(['devices', 'list', '--user', 'ops@corp.example', '--json'], admin);
    const [device] = JSON.parse(devices.stdout);
    assert.equal(device.idp, 'corp');
    assert.equal((await ccag(['users', 'sign-out', 'ops@corp.example'], admin)).code, 0);
    const after = await ccag(['teams', 'list'], { home });
    assert.equal(after.code, 3, 'signed out everywhere: the CLI session ended too');
    assert.match(after.stderr, /ccag connect|sign-in/);

    // SCIM provisioning for the IdP: the token is printed once, rotating replaces it.
    const enabled = await ccag(['scim', 'enable', '--idp', 'corp', '--json'], admin);
    assert.equal(enabled.code, 0, enabled.stderr);
    const scim = JSON.parse(enabled.stdout);
    assert.equal(scim.scim_url, `${gw}/scim/v2`);
    assert.equal((await ccag(['scim', 'enable', '--idp', 'corp'], admin)).code, 1, 'already enabled: 409');
    const rotated = await ccag(['scim', 'rotate-token', '--idp', 'corp', '--quiet'], admin);
    assert.match(rotated.stdout, /^ccag-scim-[0-9A-Za-z]{43}\n$/);
    assert.notEqual(rotated.stdout.trim(), scim.token);
    assert.match((await ccag(['idps', 'show', 'corp'], admin)).stdout, /SCIM/);
    assert.equal((await ccag(['scim', 'disable', '--idp', 'corp', '--yes'], admin)).code, 0);
    assert.equal((await ccag(['scim', 'disable', '--idp', 'corp', '--yes'], admin)).code, 4);

    assert.equal((await ccag(['idps', 'remove', 'corp', '--yes'], admin)).code, 0);
    assert.equal((await ccag(['idps', 'show', 'corp'], admin)).code, 4);
  } finally {
    await idp.close();
  }
});
