import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BedrockRuntimeClient, InvokeModelWithResponseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { emulatorCredentials } from '../../src/emulator/index.js';
import { claudeCodeBinary, runClaude } from '../helpers/claude-code.js';
import { createTestDb, type TestDatabase } from '../helpers/db.js';
import { startInferenceRig, type InferenceRig } from '../helpers/inference.js';
import { http } from '../helpers/gateway.js';

describe('the real Claude Code binary through the gateway', () => {
  let t: TestDatabase;
  let rig: InferenceRig;

  before(async () => {
    claudeCodeBinary(); // install before the clock of the first test starts
    t = await createTestDb('pglite');
    rig = await startInferenceRig(t.db);
  });
  after(async () => {
    await rig.close();
    await t.drop();
  });

  const claude = (prompt: string, opts: { model?: string; args?: string[]; env?: Record<string, string> } = {}) =>
    runClaude(prompt, { baseUrl: rig.gw.url, apiKey: rig.key, ...opts });
  const rows = async () => {
    await rig.gw.gateway.inference.requestLog.flush();
    return (await t.db.query<any>('SELECT * FROM requests ORDER BY at')).rows;
  };

  test('a plain prompt completes', async () => {
    const run = await claude('Say hello');
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.equal(run.result.is_error, false);
    assert.match(run.result.result, /Hello from the Bedrock emulator/);
    const last = rig.emulator.requests.at(-1)!;
    assert.equal(last.operation, 'InvokeModelWithResponseStream');
    assert.deepEqual(last.outcome, { ok: true });
  });

  test('Claude Code runs a Bash tool and continues after the tool result', async () => {
    const run = await claude('Write the proof [[tool:Bash {"command":"echo hi-from-bash > proof.txt","description":"write proof"}]]', { args: ['--allowedTools', 'Bash'] });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.equal(readFileSync(join(run.cwd, 'proof.txt'), 'utf8').trim(), 'hi-from-bash');
    assert.equal(run.result.num_turns, 2);
    assert.match(run.result.result, /Tool result received/);
  });

  test('thinking blocks are carried across turns unmodified', async () => {
    const mark = rig.emulator.requests.length;
    const run = await claude('Think, then act [[think]] [[tool:Bash {"command":"true","description":"nothing"}]]', { model: 'claude-opus-4-8', args: ['--allowedTools', 'Bash'] });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const calls = rig.emulator.requests.slice(mark).filter((r) => r.operation === 'InvokeModelWithResponseStream');
    assert.ok(calls.length >= 2);
    const followUp = calls.at(-1)!;
    const assistant = (followUp.body.messages as any[]).filter((m) => m.role === 'assistant').at(-1);
    const thinking = assistant.content.find((b: any) => b.type === 'thinking');
    assert.ok(thinking, 'the follow-up request carries the thinking block');
    assert.ok(thinking.signature.length > 10);
    assert.deepEqual(followUp.outcome, { ok: true });
  });

  test('Bedrock throttling reaches Claude Code as a 429 rate_limit_error', async () => {
    const run = await claude('busy [[throttle]]');
    assert.equal(run.result.is_error, true);
    assert.equal(run.result.api_error_status, 429);
    assert.equal(run.result.api_error_type, 'rate_limit_error');
    assert.match(run.result.result, /Too many requests/);
  });

  test('a mid-stream Bedrock failure reaches Claude Code as an SSE error, and it recovers', async () => {
    const before = (await rows()).length;
    const run = await claude('go [[mid-stream-error]]');
    assert.equal(run.code, 0);
    const mine = (await rows()).slice(before);
    assert.ok(mine.some((r) => r.stream && r.status === 200 && r.error_type === 'api_error'), JSON.stringify(mine));
  });

  test('with its budget used up, Claude Code gets one 429 billing_error and shows the budget message; Bedrock sees nothing', async () => {
    const key = (await http(`${rig.gw.url}/admin/v1/keys`, { method: 'POST', token: rig.admin, body: { name: 'broke' } })).body;
    const budget = await http(`${rig.gw.url}/admin/v1/budgets`, { method: 'PUT', token: rig.admin, body: { scope: 'key', target: key.id, amount_usd: 0.000001 } });
    assert.equal(budget.status, 200);
    const before = rig.emulator.requests.length;
    const rowsBefore = (await rows()).length;
    // Retries allowed: it is x-should-retry: false that stops Claude Code from retrying.
    const run = await runClaude('Say hello', { baseUrl: rig.gw.url, apiKey: key.key, env: { CLAUDE_CODE_MAX_RETRIES: '5' } });
    assert.equal(run.result.is_error, true);
    assert.equal(run.result.api_error_status, 429);
    assert.match(run.result.result, /budget exceeded/);
    assert.equal(rig.emulator.requests.length, before, 'no call reached Bedrock');
    const mine = (await rows()).slice(rowsBefore).filter((r) => r.route === 'messages');
    assert.equal(mine.length, 1, 'one answer, no retries');
    assert.equal(mine[0].status, 429);
    assert.equal(mine[0].error_type, 'billing_error');
  });

  test('every request Claude Code made reached Bedrock valid', () => {
    const refused = rig.emulator.requests.filter((r) => !r.outcome.ok && r.outcome.exception === 'ValidationException');
    assert.deepEqual(refused.map((r) => (r.outcome as any).message), []);
  });
});

test("Claude Code's raw, untranslated body is refused by the emulator with Bedrock's messages", async () => {
  // Capture what Claude Code sends, with a server that answers like a minimal Anthropic API.
  let captured: { body: any; betas: string } | undefined;
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url?.startsWith('/v1/messages') && !captured) captured = { body: JSON.parse(data), betas: String(req.headers['anthropic-beta'] ?? '') };
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"type":"error","error":{"type":"api_error","message":"capture only"}}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await runClaude('hello', { baseUrl: `http://127.0.0.1:${port}`, apiKey: 'sk-capture' });
  server.close();
  assert.ok(captured, 'Claude Code sent a request');

  const t = await createTestDb('pglite');
  const rig = await startInferenceRig(t.db);
  try {
    const bedrock = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: rig.emulator.url, credentials: emulatorCredentials, maxAttempts: 1 });
    const send = (body: any) =>
      bedrock.send(new InvokeModelWithResponseStreamCommand({ modelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', body: JSON.stringify(body), contentType: 'application/json' }));
    const raw = { ...captured.body, anthropic_version: 'bedrock-2023-05-31' };
    const refusals: string[] = [];
    // Fix one thing at a time, as a careless proxy would, and collect each refusal.
    const fixes: ((b: any) => void)[] = [
      (b) => delete b.model,
      (b) => delete b.stream,
      (b) => (b.anthropic_beta = captured!.betas.split(',')),
      (b) => delete b.anthropic_beta,
      (b) => delete b.context_management,
    ];
    let body = structuredClone(raw);
    for (const fix of [() => undefined, ...fixes]) {
      fix(body);
      try {
        const res = await send(body);
        for await (const _ of res.body!) break;
        refusals.push('accepted');
      } catch (err: any) {
        assert.equal(err.name, 'ValidationException');
        refusals.push(err.message);
      }
    }
    const expected = [
      /^Malformed input request: #: extraneous key \[model\] is not permitted/,
      /extraneous key \[stream\] is not permitted/,
      /context_management: Extra inputs are not permitted/,
      /invalid beta flag/,
      /context_management: Extra inputs are not permitted/,
      /Extra inputs are not permitted|is not supported|Input should be/,
    ];
    assert.equal(refusals.length, expected.length);
    expected.forEach((pattern, i) => assert.match(refusals[i]!, pattern, refusals.join('\n')));
  } finally {
    await rig.close();
    await t.drop();
  }
});

test("Claude Code ignores Anthropic's unified utilisation headers under API-key auth (so ccag sends its own budget headers instead)", async () => {
  // When this fails, Claude Code has started to read them: budgets should then send them too.
  const reset = String(Math.floor(Date.now() / 1000) + 3600);
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (!req.url?.startsWith('/v1/messages')) return void res.writeHead(200).end();
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'anthropic-ratelimit-unified-status': 'allowed_warning',
        'anthropic-ratelimit-unified-5h-utilization': '0.96',
        'anthropic-ratelimit-unified-5h-reset': reset,
        'anthropic-ratelimit-unified-7d-utilization': '0.96',
        'anthropic-ratelimit-unified-7d-reset': reset,
        'anthropic-ratelimit-unified-representative-claim': 'five_hour',
        'anthropic-ratelimit-unified-reset': reset,
      });
      const ev = (data: object) => res.write(`event: ${(data as { type: string }).type}\ndata: ${JSON.stringify(data)}\n\n`);
      ev({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } } });
      ev({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
      ev({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hello' } });
      ev({ type: 'content_block_stop', index: 0 });
      ev({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 2 } });
      ev({ type: 'message_stop' });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  try {
    const run = await runClaude('hi', { baseUrl: `http://127.0.0.1:${port}`, apiKey: 'sk-test', args: ['--output-format', 'stream-json', '--verbose'] });
    assert.match(run.stdout, /"type":"result"/);
    assert.doesNotMatch(run.stdout, /rate_limit_event/);
  } finally {
    server.close();
  }
});
