import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { before, test } from 'node:test';
import { claudeCodeBinary } from '../helpers/claude-code.js';
import { http } from '../helpers/gateway.js';
import { useInferenceRig } from '../helpers/inference.js';

before(() => claudeCodeBinary());
const env = useInferenceRig('pglite');

/** A running Claude Code session (stream-json in and out): send a prompt, get its result line. */
function session(apiKey: string) {
  const child = spawn(
    claudeCodeBinary(),
    ['-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose', '--model', 'claude-sonnet-4-5'],
    {
      cwd: mkdtempSync(join(tmpdir(), 'ccag-scim-cc-')),
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: mkdtempSync(join(tmpdir(), 'ccag-scim-cc-home-')),
        ANTHROPIC_BASE_URL: env.rig.gw.url,
        ANTHROPIC_API_KEY: apiKey,
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        CLAUDE_CODE_MAX_RETRIES: '0',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const results: any[] = [];
  const waiting: ((r: any) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    let event: any;
    try {
      event = JSON.parse(line);
    } catch {
      return;
    }
    if (event.type !== 'result') return;
    const next = waiting.shift();
    if (next) next(event);
    else results.push(event);
  });
  return {
    ask(text: string): Promise<any> {
      child.stdin.write(JSON.stringify({ type: 'user', message: { role: 'user', content: [{ type: 'text', text }] } }) + '\n');
      return new Promise((resolve) => (results.length ? resolve(results.shift()) : waiting.push(resolve)));
    },
    close() {
      child.stdin.end();
      child.kill();
    },
  };
}

test('a SCIM deactivation refuses the next request of a Claude Code session that is already running', async () => {
  const gw = env.rig.gw.url;
  await http(`${gw}/admin/v1/idps`, { method: 'POST', token: env.rig.admin, body: { name: 'okta', issuer: 'https://okta.example.com', client_id: 'ccag' } });
  const scimToken = (await http(`${gw}/admin/v1/idps/okta/scim`, { method: 'POST', token: env.rig.admin, body: {} })).body.token;
  const user = await http(`${gw}/scim/v2/Users`, { method: 'POST', token: scimToken, body: { userName: 'dev@corp.example', active: true } });
  assert.equal(user.status, 201);
  const key = (await http(`${gw}/admin/v1/keys`, { method: 'POST', token: env.rig.admin, body: { name: 'laptop', user: user.body.id } })).body.key;

  const claude = session(key);
  try {
    const first = await claude.ask('Say hello');
    assert.equal(first.is_error, false, JSON.stringify(first));
    assert.match(first.result, /Hello from the Bedrock emulator/);

    const off = await http(`${gw}/scim/v2/Users/${user.body.id}`, {
      method: 'PATCH',
      token: scimToken,
      body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] },
    });
    assert.equal(off.status, 200);

    const second = await claude.ask('Say hello again');
    assert.equal(second.is_error, true, JSON.stringify(second));
    assert.match(JSON.stringify(second), /401|deactivated|authentication|API key/i);
  } finally {
    claude.close();
  }
});
