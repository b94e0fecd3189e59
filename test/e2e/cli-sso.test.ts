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

    const devices = await ccag(['devices', 'list', '--user', 'ops@corp.example', '--json'], admin);
    const [device] = JSON.parse(devices.stdout);
    assert.equal(device.idp, 'corp');
    assert.equal((await ccag(['users', 'sign-out', 'ops@corp.example'], admin)).code, 0);
    const after = await ccag(['teams', 'list'], { home });
    assert.equal(after.code, 3, 'signed out everywhere: the CLI session ended too');
    assert.match(after.stderr, /ccag connect|sign-in/);

    assert.equal((await ccag(['idps', 'remove', 'corp', '--yes'], admin)).code, 0);
    assert.equal((await ccag(['idps', 'show', 'corp'], admin)).code, 4);
  } finally {
    await idp.close();
  }
});
