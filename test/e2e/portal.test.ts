import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, noBrowser, screenshot, type TestBrowser } from '../helpers/browser.js';
import { ccag } from '../helpers/cli.js';
import { adminPassword, http } from '../helpers/gateway.js';
import { approveDeviceLogin, HttpBrowser } from '../helpers/http-browser.js';
import { startTestIdp, type TestIdp } from '../helpers/oidc-idp.js';
import { useInferenceRig } from '../helpers/inference.js';

// The portal in Debian's chromium against a real gateway (Postgres, the Bedrock emulator).
// The tests run in order and build on each other, as a person would click through.
const env = useInferenceRig('postgres');
let browser: TestBrowser;
let page: Page;
const gw = () => env.rig.gw.url;
const member = { email: 'alice@portal.example', password: 'alice-password-123' };
const requestsMade = 3;
let secret = '';
let idp: TestIdp | undefined;

before(async () => {
  if (noBrowser) return;
  browser = await launchBrowser();
  page = await browser.newPage();
});
after(async () => {
  await browser?.close();
  await idp?.close();
});

const heading = (title: string) => page.getByRole('heading', { level: 1, name: title, exact: true });

/** Opens a page from the navigation and waits until it has loaded its data. */
async function open(title: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: title, exact: true }).click();
  await heading(title).waitFor();
  await page.getByText('Loading…').first().waitFor({ state: 'detached' });
}

/** The table row that contains this text. */
const row = (text: string) => page.getByRole('row').filter({ hasText: text });

test('sign in with a password: the session is an HttpOnly cookie the page cannot read', { skip: noBrowser }, async () => {
  await page.goto(`${gw()}/portal/`);
  await page.getByRole('heading', { name: 'Sign in to ccag' }).waitFor();
  await screenshot(page, 'sign-in');
  await page.getByLabel('Email or username').fill('admin');
  await page.getByLabel('Password', { exact: true }).fill('wrong-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'wrong username or password' }).waitFor();

  await page.getByLabel('Email or username').fill('admin');
  await page.getByLabel('Password', { exact: true }).fill(adminPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await heading('Connect').waitFor();
  const cookies = await browser.context.cookies();
  const session = cookies.find((c) => c.name === 'ccag_session');
  assert.ok(session?.httpOnly, 'an HttpOnly session cookie');
  // Evaluated in the page (strings: the test itself is type-checked without the DOM).
  assert.equal(await page.evaluate<boolean>("document.cookie.includes('ccag_session')"), false);
  assert.equal(await page.evaluate<number>('localStorage.length + sessionStorage.length'), 0, 'nothing in web storage');
  // The session survives a reload: the page asks the API who is signed in.
  await page.reload();
  await heading('Connect').waitFor();
});

test('create a team, a user and a key; the secret is shown once and is gone after a reload', { skip: noBrowser }, async () => {
  await open('Teams');
  const teamForm = page.getByRole('form', { name: 'Create a team' });
  await teamForm.getByLabel('Name', { exact: true }).fill('platform');
  await teamForm.getByRole('button', { name: 'Create team' }).click();
  await row('platform').waitFor();

  await open('Users');
  const userForm = page.getByRole('form', { name: 'Add a user' });
  await userForm.getByLabel('Email').fill(member.email);
  await userForm.getByLabel('Team').selectOption('platform');
  await userForm.getByLabel('Password').fill(member.password);
  await userForm.getByRole('button', { name: 'Add user' }).click();
  await row(member.email).filter({ hasText: 'platform' }).waitFor();

  await open('My keys');
  const keyForm = page.getByRole('form', { name: 'Create a key' });
  await keyForm.getByLabel('Name', { exact: true }).fill('portal-e2e');
  await keyForm.getByRole('button', { name: 'Create key' }).click();
  secret = (await page.getByLabel('Key portal-e2e').textContent()) ?? '';
  assert.match(secret, /^sk-ccag-[A-Za-z0-9]{43}$/);
  await screenshot(page, 'my-keys-secret-once');
  await row('portal-e2e').waitFor();

  // The key works: a few requests through the gateway, for the analytics below.
  for (let i = 0; i < requestsMade; i++) {
    const msg = await env.rig.sdk({ apiKey: secret }).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: `hello ${i}` }] });
    assert.equal(msg.role, 'assistant');
  }

  await page.reload();
  await heading('My keys').waitFor();
  await row('portal-e2e').waitFor();
  assert.equal((await page.content()).includes(secret), false, 'the secret is not shown again');
  assert.equal((await page.evaluate<string>('JSON.stringify({ ...localStorage, ...sessionStorage })')).includes(secret), false);
});

test('set a budget for the team', { skip: noBrowser }, async () => {
  await open('Budgets');
  const form = page.getByRole('form', { name: 'Set a budget' });
  await form.getByLabel('For a').selectOption('team');
  await form.getByLabel('Team, user or key').fill('platform');
  await form.getByLabel('Amount (USD)').fill('50');
  await form.getByLabel('Period').selectOption('weekly');
  await form.getByRole('button', { name: 'Set budget' }).click();
  await row('platform').filter({ hasText: '$50.00' }).filter({ hasText: 'weekly' }).waitFor();
  const budgets = await http(`${gw()}/admin/v1/budgets`, { token: env.rig.admin });
  assert.deepEqual(
    budgets.body.data.map((b: any) => [b.scope, b.target, b.amount_usd, b.period]),
    [['team', 'platform', 50, 'weekly']],
  );
});

/** The value of a headline number on the analytics page. */
const stat = (label: string) => page.locator('.stat').filter({ has: page.getByText(label, { exact: true }) }).locator('dd');

test('analytics show the requests just made through the gateway', { skip: noBrowser }, async () => {
  await open('Analytics');
  await stat('Requests').filter({ hasText: String(requestsMade) }).waitFor();
  assert.match((await stat('Requests').textContent()) ?? '', new RegExp(`^${requestsMade}no errors$`));
  assert.match((await stat('Active users').textContent()) ?? '', /^1$/);
  assert.match((await stat('Spend').textContent()) ?? '', /^\$\d+\.\d{2,4}$/);
  // The spend chart and the token mix are drawn from the same requests.
  await page.getByRole('img', { name: 'Spend in USD by user' }).locator('canvas').waitFor();
  await row('Input').filter({ hasText: /\d/ }).waitFor();
  // Filters: the model the requests used keeps them; another user's view has none.
  await page.getByLabel('Model', { exact: true }).selectOption('claude-sonnet-4-5');
  await stat('Requests').filter({ hasText: String(requestsMade) }).waitFor();
  await page.getByLabel('User', { exact: true }).fill(member.email);
  await page.getByLabel('User', { exact: true }).press('Enter');
  await stat('Requests').filter({ hasText: /^0/ }).waitFor();
  await page.getByLabel('User', { exact: true }).fill('');
  await page.getByLabel('User', { exact: true }).press('Enter');
  await page.getByLabel('Model', { exact: true }).selectOption('');
  await stat('Requests').filter({ hasText: String(requestsMade) }).waitFor();
  await screenshot(page, 'admin-analytics-with-requests');
});

test('CSV export downloads the same bytes as ccag spend --csv', { skip: noBrowser }, async () => {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
  const csv = readFileSync((await download.path())!, 'utf8');
  assert.match(csv, /^group,requests,/);
  assert.match(csv, new RegExp(`\\nadmin,${requestsMade},`));
  const cli = await ccag(['spend', '--csv', '--since', '7d'], { env: { CCAG_URL: gw(), CCAG_TOKEN: env.rig.admin } });
  assert.equal(cli.code, 0, cli.stderr);
  assert.equal(csv, cli.stdout);
});

test('revoke a key: it stops working', { skip: noBrowser }, async () => {
  await open('My keys');
  await row('portal-e2e').getByRole('button', { name: 'Revoke' }).click();
  await row('portal-e2e').getByRole('button', { name: 'Yes, revoke' }).click();
  await row('portal-e2e').waitFor({ state: 'detached' });
  await page.getByLabel('Show revoked and expired keys').check();
  await row('portal-e2e').filter({ hasText: 'revoked' }).waitFor();
  const refused = await http(`${gw()}/v1/messages`, { method: 'POST', apiKey: secret, body: { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] } });
  assert.equal(refused.status, 401);
});

test("the Connect page's sh command, run in a shell, installs ccag and connects Claude Code", { skip: noBrowser }, async () => {
  await open('Connect');
  const command = (await page.getByLabel('sh setup command').textContent())!;
  assert.equal(command, `curl -fsSL ${gw()}/setup | sh`);

  // A developer's machine: an empty HOME; the person approves the sign-in in their browser.
  const home = mkdtempSync(join(tmpdir(), 'ccag-portal-connect-'));
  const child = spawn('bash', ['-c', command], { env: { HOME: home, PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, LANG: 'C.UTF-8' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let approving: Promise<unknown> | undefined;
  child.stderr.on('data', (d) => {
    stderr += d;
    const link = /open (http\S+)/.exec(stderr)?.[1];
    if (link && !approving) approving = approveDeviceLogin(new HttpBrowser(), link, { username: member.email, password: member.password });
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  await approving;
  assert.equal(code, 0, stderr);

  const settings = JSON.parse(readFileSync(join(home, '.claude', 'settings.json'), 'utf8'));
  assert.equal(settings.env.ANTHROPIC_BASE_URL, gw());
  const installed = join(home, '.local', 'bin', 'ccag');
  assert.ok(existsSync(installed));
  const token = await new Promise<string>((resolve) => {
    const t = spawn(installed, ['token'], { env: { HOME: home, PATH: `${dirname(process.execPath)}:/usr/bin:/bin` } });
    let out = '';
    t.stdout.on('data', (d) => (out += d));
    t.on('close', () => resolve(out.trim()));
  });
  const me = await http(`${gw()}/admin/v1/me`, { token });
  assert.equal(me.body.user.email, member.email, 'signed in as the developer who approved it');
});

test('every page renders without script errors or CSP violations (screenshots in test-output/portal)', { skip: noBrowser }, async () => {
  const titles = await page.getByRole('navigation', { name: 'Portal' }).getByRole('link').allTextContents();
  assert.deepEqual(titles, ['Connect', 'My keys', 'My usage', 'Analytics', 'Audit log', 'Users', 'Teams', 'Keys', 'Budgets', 'Policies', 'Endpoints', 'Models and pricing', 'Identity providers', 'Search providers', 'Notifications', 'Settings']);
  for (const title of titles) {
    await open(title);
    await screenshot(page, `admin-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`);
  }
  const problems = browser.problems.filter((p) => !/Failed to load resource: the server responded with a status of (401|404)/.test(p));
  assert.deepEqual(problems, []);
});

/** Signs the browser out and in again as someone else. */
async function signInAs(username: string, password: string): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to ccag' }).waitFor();
  assert.equal((await browser.context.cookies()).some((c) => c.name === 'ccag_session'), false, 'the cookie is gone');
  await page.getByLabel('Email or username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await heading('Connect').waitFor();
}

const navTitles = () => page.getByRole('navigation', { name: 'Portal' }).getByRole('link').allTextContents();

test('a member sees only their own pages', { skip: noBrowser }, async () => {
  await signInAs(member.email, member.password);
  const titles = await navTitles();
  assert.deepEqual(titles, ['Connect', 'My keys', 'My usage', 'Analytics']);
  for (const title of titles) {
    await open(title);
    await screenshot(page, `member-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`);
  }
  // A member's analytics cover their own use only: none here.
  await stat('Requests').filter({ hasText: /^0/ }).waitFor();
  await page.goto(`${gw()}/portal/users`);
  await heading('Not for your role').waitFor();
  await screenshot(page, 'member-not-for-your-role');
});

test("a team admin manages their team's people, keys and budgets; a viewer cannot create keys", { skip: noBrowser }, async () => {
  for (const [email, role] of [['lead@portal.example', 'team_admin'], ['watcher@portal.example', 'viewer']]) {
    const created = await http(`${gw()}/admin/v1/users`, { method: 'POST', token: env.rig.admin, body: { email, role, team: 'platform', password: member.password } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  }
  await signInAs('lead@portal.example', member.password);
  const titles = await navTitles();
  assert.deepEqual(titles, ['Connect', 'My keys', 'My usage', 'Analytics', 'Users', 'Teams', 'Keys', 'Budgets', 'Policies']);
  await open('Teams');
  await page.getByRole('heading', { name: 'Members of platform' }).waitFor();
  await row('alice@portal.example').waitFor();
  await screenshot(page, 'team-admin-teams');
  await open('Users');
  assert.deepEqual(await page.getByLabel('Role').locator('option').allTextContents(), ['member', 'viewer'], 'a team admin gives only these roles');
  await screenshot(page, 'team-admin-users');

  await signInAs('watcher@portal.example', member.password);
  assert.deepEqual(await navTitles(), ['Connect', 'My keys', 'My usage', 'Analytics']);
  await open('My keys');
  assert.equal(await page.getByRole('form', { name: 'Create a key' }).count(), 0);
  await screenshot(page, 'viewer-my-keys');
});

test('SSO: the sign-in page offers the company IdP, and signing in there lands back in the portal', { skip: noBrowser }, async () => {
  idp = await startTestIdp([`${gw()}/auth/oidc/callback`]);
  idp.users.set('u-dev', { email: 'dev@corp.example', name: 'Dev' });
  const added = await http(`${gw()}/admin/v1/idps`, {
    method: 'POST',
    token: env.rig.admin,
    body: { name: 'corp', issuer: idp.issuer, client_id: idp.clientId, client_secret: idp.clientSecret, scopes: ['openid', 'email', 'profile'] },
  });
  assert.equal(added.status, 201, JSON.stringify(added.body));

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('link', { name: 'Sign in with corp' }).waitFor();
  await screenshot(page, 'sign-in-sso');
  idp.nextLogin = 'u-dev';
  await page.getByRole('link', { name: 'Sign in with corp' }).click();
  await heading('Connect').waitFor();
  assert.equal(new URL(page.url()).pathname, '/portal/');
  await page.getByRole('banner').getByText('dev@corp.example').waitFor();
  assert.ok((await browser.context.cookies()).find((c) => c.name === 'ccag_session')?.httpOnly);

  // Signed out by an admin elsewhere: the next page the person opens asks them to sign in again.
  assert.equal((await http(`${gw()}/admin/v1/users/dev@corp.example/sign-out`, { method: 'POST', token: env.rig.admin })).status, 200);
  await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: 'My keys' }).click();
  await page.getByRole('heading', { name: 'Sign in to ccag' }).waitFor();
});
