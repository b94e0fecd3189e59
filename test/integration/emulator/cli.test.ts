import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { runEmulatorCommand } from '../../../src/emulator/index.js';
import { decodeJson, invokeBody, runtimeClient } from './sdk.js';

test('runEmulatorCommand starts the emulator and says in one line where and with which credentials', async (t) => {
  const lines: string[] = [];
  t.mock.method(console, 'log', (line: string) => lines.push(line));
  const emulator = await runEmulatorCommand({ host: '127.0.0.1', port: 0, region: 'us-west-2' });
  try {
    t.mock.restoreAll();
    assert.deepEqual(lines, [`Bedrock emulator listening on ${emulator.url} (region us-west-2; credentials ccag-emulator / ccag-emulator-secret)`]);
    assert.match(emulator.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const client = runtimeClient(emulator, { region: 'us-west-2' });
    const message = decodeJson((await client.send(new InvokeModelCommand({ modelId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0', body: invokeBody('hi') }))).body);
    assert.equal(message.model, 'claude-haiku-4-5-20251001');
    // A long-running emulator would otherwise grow by every request body it has seen.
    assert.deepEqual(emulator.requests, []);
  } finally {
    await emulator.close();
  }
});
