import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ccag } from '../helpers/cli.js';
import { claudeCodeBinary } from '../helpers/claude-code.js';
import { eventually, http } from '../helpers/gateway.js';
import { approveDeviceLogin, HttpBrowser } from '../helpers/http-browser.js';
import { startTestIdp, type TestIdp } from '../helpers/oidc-idp.js';
import { useInferenceRig } from '../helpers/inference.js';

before(() => claudeCodeBinary()); // install before the rig starts
// Short-lived access tokens, so a test sees them expire and `ccag token` refresh them.
const accessTokenTtlMs = 6_000;
const env = useInferenceRig('pglite', { gateway: { devicePollIntervalSeconds: 1, accessTokenTtlMs } });
let idp: TestIdp | undefined;
/** The company IdP, registered with the gateway on first use (once the rig is up). */
async function companyIdp(): Promise<TestIdp> {
  if (idp) return idp;
  idp = await startTestIdp([`${env.rig.gw.url}/auth/oidc/callback`]);
  idp.users.set('u-dev', { email: 'dev@corp.example', name: 'Dev' });
  const res = await http(`${env.rig.gw.url}/admin/v1/idps`, {
    method: 'POST',
    token: env.rig.admin,
    body: { name: 'corp', issuer: idp.issuer, client_id: idp.clientId, client_secret: idp.clientSecret, scopes: ['openid', 'email', 'profile', 'offline_access'] },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return idp;
}
after(() => idp?.close());

/** Claude Code with nothing but its settings file: no gateway or key in the environment. */
function claudeWithSettingsOnly(home: string, prompt: string): Promise<{ code: number | null; result: any; stdout: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'ccag-connect-work-'));
  return new Promise((resolve) => {
    const child = spawn(claudeCodeBinary(), ['-p', prompt, '--output-format', 'json', '--model', 'claude-sonnet-4-5'], {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', CLAUDE_CODE_MAX_RETRIES: '0', CCAG_CREDENTIAL_STORE: 'file' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('close', (code) => {
      let result: any;
      try {
        result = JSON.parse(stdout);
      } catch {
        result = undefined;
      }
      resolve({ code, result, stdout });
    });
  });
}

test('ccag connect --key writes Claude Code settings that work on their own; disconnect undoes it', async () => {
  const key = (await http(`${env.rig.gw.url}/admin/v1/keys`, { method: 'POST', token: env.rig.admin, body: { name: 'laptop' } })).body.key;
  const home = mkdtempSync(join(tmpdir(), 'ccag-connect-home-'));
  // Existing settings: kept, except what would bypass the gateway.
  mkdirSync(join(home, '.claude'));
  writeFileSync(join(home, '.claude', 'settings.json'), JSON.stringify({ theme: 'dark', env: { ANTHROPIC_API_KEY: 'sk-ant-old', CLAUDE_CODE_USE_BEDROCK: '1', MY_VAR: 'x' } }));

  const dry = await ccag(['connect', env.rig.gw.url, '--key', key, '--dry-run'], { home });
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /\+ .*"ANTHROPIC_BASE_URL"/);
  assert.match(dry.stdout, /- .*"ANTHROPIC_API_KEY"/);
  assert.equal(JSON.parse(readFileSync(join(home, '.claude', 'settings.json'), 'utf8')).env.ANTHROPIC_API_KEY, 'sk-ant-old', 'dry run changes nothing');

  const bad = await ccag(['connect', env.rig.gw.url, '--key', 'sk-ccag-' + 'x'.repeat(43)], { home });
  assert.equal(bad.code, 3);

  const connected = await ccag(['connect', env.rig.gw.url, '--key', key, '--json'], { home });
  assert.equal(connected.code, 0, connected.stderr);
  const out = JSON.parse(connected.stdout);
  assert.deepEqual(out.removed, ['env.ANTHROPIC_API_KEY', 'env.CLAUDE_CODE_USE_BEDROCK']);
  const settings = JSON.parse(readFileSync(join(home, '.claude', 'settings.json'), 'utf8'));
  assert.equal(settings.theme, 'dark');
  assert.deepEqual(settings.env, { MY_VAR: 'x', ANTHROPIC_BASE_URL: env.rig.gw.url, CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY: '1' });
  assert.match(settings.apiKeyHelper, /bin\/ccag" token --profile "default"$/);
  assert.equal(JSON.stringify(settings).includes(key), false, 'the key is not in the settings file');
  assert.ok(existsSync(join(home, '.claude', 'settings.json.ccag-backup')));

  const token = await ccag(['token'], { home });
  assert.equal(token.stdout, key + '\n');

  const run = await claudeWithSettingsOnly(home, 'Say hello');
  assert.equal(run.result?.is_error, false, run.stdout);
  assert.match(run.result.result, /Hello from the Bedrock emulator/);

  assert.equal((await ccag(['disconnect'], { home })).code, 0);
  const after = JSON.parse(readFileSync(join(home, '.claude', 'settings.json'), 'utf8'));
  assert.deepEqual(after, { theme: 'dark', env: { MY_VAR: 'x' } });
  assert.equal((await ccag(['token'], { home })).code, 3);
});

/** `ccag connect` as a developer runs it: the person's browser steps are done when it prints the link. */
async function connectThroughIdp(home: string, args: string[] = []) {
  let approving: Promise<unknown> | undefined;
  const run = ccag(['connect', env.rig.gw.url, '--json', ...args], {
    home,
    onStderr: (text) => {
      const link = /open (http\S+)/.exec(text)?.[1];
      if (link && !approving) approving = approveDeviceLogin(new HttpBrowser(), link);
    },
  });
  const result = await run;
  await approving;
  return result;
}

test('ccag connect signs in through the IdP; Claude Code then works on the settings alone, tokens refresh silently, deactivation ends it', async () => {
  const gw = env.rig.gw.url;
  const home = mkdtempSync(join(tmpdir(), 'ccag-connect-sso-'));
  const idp = await companyIdp();
  idp.nextLogin = 'u-dev';
  const connected = await connectThroughIdp(home);
  assert.equal(connected.code, 0, connected.stderr);
  assert.match(connected.stderr, /code [BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}/);
  const out = JSON.parse(connected.stdout);
  assert.equal(out.as, 'dev@corp.example');
  assert.equal(out.method, 'device');
  assert.ok(out.models.includes('claude-sonnet-4-5-20250929'), JSON.stringify(out.models));
  const settings = JSON.parse(readFileSync(join(home, '.claude', 'settings.json'), 'utf8'));
  assert.equal(settings.env.ANTHROPIC_BASE_URL, gw);
  assert.equal(settings.env.CLAUDE_CODE_API_KEY_HELPER_TTL_MS, '30000');
  const credentials = readFileSync(join(home, '.config', 'ccag', 'credentials.json'), 'utf8');
  assert.match(credentials, /ccag-rt-/, 'the refresh token is in the credential store');
  assert.ok(!JSON.stringify(settings).includes('ccag-rt-'), 'and not in the settings');

  const run = await claudeWithSettingsOnly(home, 'Say hello');
  assert.equal(run.result?.is_error, false, run.stdout);
  assert.match(run.result.result, /Hello from the Bedrock emulator/);

  // Once the access token is near its end, `ccag token` refreshes it without a word.
  const first = (await ccag(['token'], { home })).stdout.trim();
  assert.match(first, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
  let second = first;
  assert.ok(await eventually(async () => (second = (await ccag(['token'], { home })).stdout.trim()) !== first, 15_000, 500));
  assert.equal((await http(`${gw}/v1/models`, { token: second })).status, 200);

  // Ten Claude Code sessions asking at once when it expires: one refresh, ten good answers.
  const refreshes = async () => Number((await env.db.db.query<{ n: number }>('SELECT count(*)::int AS n FROM refresh_tokens')).rows[0]!.n);
  await new Promise((r) => setTimeout(r, accessTokenTtlMs));
  const before10 = await refreshes();
  const parallel = await Promise.all(Array.from({ length: 10 }, () => ccag(['token'], { home })));
  for (const r of parallel) assert.equal(r.code, 0, r.stderr);
  const tokens = new Set(parallel.map((r) => r.stdout.trim()));
  assert.equal(tokens.size, 1, 'every caller got the same fresh token');
  assert.equal(await refreshes(), before10 + 1, 'the gateway saw one refresh');
  const current = [...tokens][0]!;
  assert.equal((await http(`${gw}/v1/models`, { token: current })).status, 200);

  // Deactivated: the next request fails with 401, and `ccag token` says to connect again.
  assert.equal((await http(`${gw}/admin/v1/users/dev@corp.example/deactivate`, { method: 'POST', token: env.rig.admin, body: {} })).status, 200);
  const refused = await http(`${gw}/v1/messages`, { method: 'POST', token: current, body: { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] } });
  assert.equal(refused.status, 401);
  assert.equal(refused.body.error.type, 'authentication_error');
  let last = { code: 0, stdout: '', stderr: '' };
  assert.ok(await eventually(async () => (last = await ccag(['token'], { home })).code !== 0, 15_000, 500));
  assert.equal(last.code, 3);
  assert.equal(last.stdout, '');
  assert.match(last.stderr, /ccag connect/);
});

test('ccag disconnect ends the sign-in at the gateway too', async () => {
  const home = mkdtempSync(join(tmpdir(), 'ccag-connect-sso-'));
  const idp = await companyIdp();
  idp.users.set('u-leaver', { email: 'leaver@corp.example' });
  idp.nextLogin = 'u-leaver';
  assert.equal((await connectThroughIdp(home)).code, 0);
  const token = (await ccag(['token'], { home })).stdout.trim();
  assert.equal((await http(`${env.rig.gw.url}/v1/models`, { token })).status, 200);
  assert.equal((await ccag(['disconnect'], { home })).code, 0);
  assert.equal((await http(`${env.rig.gw.url}/v1/models`, { token })).status, 401, 'the access token died with the sign-in');
  assert.equal((await ccag(['token'], { home })).code, 3);
});
