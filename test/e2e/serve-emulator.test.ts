import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { ccag, ccagBin, cliHome } from '../helpers/cli.js';
import { startServe } from '../helpers/serve.js';

const password = 'an-admin-password-for-tests';

test('ccag serve --upstream emulator: try ccag end to end with no AWS account', async () => {
  const gw = await startServe(['--upstream', 'emulator'], { CCAG_DATA_DIR: mkdtempSync(join(tmpdir(), 'ccag-emu-')), CCAG_ADMIN_PASSWORD: password });
  try {
    const home = cliHome();
    assert.equal((await ccag(['login', gw.url, '--username', 'admin', '--password-stdin'], { stdin: password, home })).code, 0);
    const key = (await ccag(['keys', 'create', '--name', 'try-it', '--quiet'], { home })).stdout.trim();

    const map = await ccag(['models', 'map', 'claude-opus-5-5', 'anthropic.claude-opus-4-8', '--name', 'Opus next', '--json'], { home });
    assert.equal(map.code, 0, map.stderr);
    assert.equal(JSON.parse(map.stdout).bedrock_model, 'us.anthropic.claude-opus-4-8');
    const listed = JSON.parse((await ccag(['models', 'list', '--json'], { home })).stdout);
    assert.ok(listed.some((m: any) => m.model === 'claude-opus-5-5' && m.source === 'admin'));

    const client = new Anthropic({ baseURL: gw.url, apiKey: key, maxRetries: 0 });
    const msg = await client.messages.create({ model: 'claude-opus-5-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(msg.model, 'claude-opus-5-5');
    assert.match((msg.content[0] as any).text, /Bedrock emulator/);

    assert.equal((await ccag(['models', 'betas', 'deny', 'effort-2025-11-24', '--model', 'claude-opus-4-8'], { home })).code, 0);
    const betas = JSON.parse((await ccag(['models', 'betas', 'list', '--json'], { home })).stdout);
    assert.deepEqual(betas, [{ model: 'claude-opus-4-8', beta: 'effort-2025-11-24', allowed: false }]);
    assert.equal((await ccag(['models', 'betas', 'reset', 'effort-2025-11-24', '--model', 'claude-opus-4-8'], { home })).code, 0);
    assert.equal((await ccag(['models', 'unmap', 'claude-opus-5-5'], { home })).code, 0);
    const gone = await ccag(['models', 'unmap', 'claude-opus-5-5', '--json'], { home });
    assert.equal(gone.code, 4);
  } finally {
    assert.equal(await gw.stop(), 0);
  }
});

test('ccag emulator serves the AWS SDK standalone', async () => {
  const child = spawn(process.execPath, [ccagBin, 'emulator', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /listening on (http:\/\/[\d.:]+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`emulator exited ${code}`)));
    });
    const bedrock = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: url, credentials: { accessKeyId: 'ccag-emulator', secretAccessKey: 'ccag-emulator-secret' } });
    const out = await bedrock.send(
      new InvokeModelCommand({
        modelId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
        body: JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }),
      }),
    );
    const message = JSON.parse(new TextDecoder().decode(out.body));
    assert.equal(message.type, 'message');
    assert.match(message.id, /^msg_bdrk_/);
    const wrong = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: url, credentials: { accessKeyId: 'ccag-emulator', secretAccessKey: 'wrong' }, maxAttempts: 1 });
    await assert.rejects(
      wrong.send(new InvokeModelCommand({ modelId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0', body: '{}' })),
      (e: any) => e.name === 'InvalidSignatureException',
    );
  } finally {
    child.kill('SIGTERM');
  }
});
