import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { ccag } from '../helpers/cli.js';
import { claudeCodeBinary } from '../helpers/claude-code.js';
import { http } from '../helpers/gateway.js';
import { useInferenceRig } from '../helpers/inference.js';

before(() => claudeCodeBinary()); // install before the rig starts
const env = useInferenceRig('pglite');

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
  assert.deepEqual(out.removed, ['ANTHROPIC_API_KEY', 'CLAUDE_CODE_USE_BEDROCK']);
  const settings = JSON.parse(readFileSync(join(home, '.claude', 'settings.json'), 'utf8'));
  assert.equal(settings.theme, 'dark');
  assert.deepEqual(settings.env, { MY_VAR: 'x', ANTHROPIC_BASE_URL: env.rig.gw.url });
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
