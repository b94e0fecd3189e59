import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { EmulatedRequest } from '../../src/emulator/index.js';
import { addSearchProvider } from '../helpers/search.js';
import { claudeCodeBinary, runClaude } from '../helpers/claude-code.js';
import { useInferenceRig } from '../helpers/inference.js';

before(() => claudeCodeBinary());
const env = useInferenceRig('pglite');
let provider: Server;

before(async () => {
  provider = createServer((req, res) => {
    const q = new URL(req.url!, 'http://x').searchParams.get('q') ?? '';
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ results: [{ url: 'https://ccag.example/releases/1.0', title: `ccag 1.0 released (${q})`, snippet: 'The gateway for Claude Code on Bedrock.' }] }));
  });
  await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
});
after(() => new Promise<void>((resolve) => provider.close(() => resolve())));

const toolResults = (req: EmulatedRequest) =>
  (req.body.messages as any[]).flatMap((m) => (Array.isArray(m.content) ? m.content : [])).filter((b: any) => b.type === 'tool_result');
const resultText = (b: any) => (typeof b.content === 'string' ? b.content : (b.content ?? []).map((c: any) => c.text ?? '').join(''));

/**
 * The emulated model on both sides: in the main conversation it calls Claude Code's WebSearch
 * tool and then answers with what came back; in the search request Claude Code sends (with the
 * web_search server tool, answered by the gateway) it searches once and summarises.
 */
function model(req: EmulatedRequest) {
  if (!req.operation.startsWith('InvokeModel')) return undefined;
  const tools = new Set(((req.body.tools ?? []) as any[]).map((t) => t.name));
  const results = toolResults(req);
  if (tools.has('web_search') && !tools.has('WebSearch')) {
    if (results.length === 0) return { kind: 'message' as const, blocks: [{ type: 'tool_use' as const, name: 'web_search', input: { query: 'ccag release' } }], stopReason: 'tool_use' as const };
    // It cites the page it read, so Claude Code gets a cited text block too.
    return { kind: 'message' as const, blocks: [{ type: 'text' as const, text: `Search summary: <cite n="1">${resultText(results[0])}</cite>` }] };
  }
  // Claude Code defers WebSearch: the model loads it with ToolSearch first, then calls it.
  const calls = (req.body.messages as any[]).flatMap((m) => (m.role === 'assistant' && Array.isArray(m.content) ? m.content : [])).filter((b: any) => b.type === 'tool_use');
  const searchCall = calls.find((c: any) => c.name === 'WebSearch');
  if (!tools.has('WebSearch') && !calls.some((c: any) => c.name === 'ToolSearch')) {
    return { kind: 'message' as const, blocks: [{ type: 'tool_use' as const, name: 'ToolSearch', input: { query: 'select:WebSearch', max_results: 1 } }], stopReason: 'tool_use' as const };
  }
  if (!searchCall) {
    return { kind: 'message' as const, blocks: [{ type: 'tool_use' as const, name: 'WebSearch', input: { query: 'ccag release' } }], stopReason: 'tool_use' as const };
  }
  const answer = results.find((r: any) => r.tool_use_id === searchCall.id);
  return { kind: 'message' as const, blocks: [{ type: 'text' as const, text: `Final answer from the web: ${answer ? resultText(answer) : 'nothing'}` }] };
}

test("Claude Code's WebSearch tool works end to end through the gateway", async () => {
  await addSearchProvider(env.rig.gw.url, 'loopback', `http://127.0.0.1:${(provider.address() as AddressInfo).port}/search`);
  env.rig.emulator.configure({ script: model });
  const run = await runClaude('What is new with ccag? Search the web.', { baseUrl: env.rig.gw.url, apiKey: env.rig.key, args: ['--allowedTools', 'WebSearch'] });
  const sent = env.rig.emulator.requests.filter((r) => r.operation.startsWith('InvokeModel'));
  const debug = JSON.stringify(sent.map((r) => ({ tools: (r.body.tools ?? []).map((t: any) => t.name), results: toolResults(r).length })));
  assert.equal(run.result?.is_error, false, `${run.stdout}\n${run.stderr}\n${debug}`);
  assert.match(run.result.result, /ccag 1\.0 released \(ccag release\)/, `${run.result.result}\n${debug}`);
  assert.doesNotMatch(run.result.result, /<\/?cite/, 'the cite tag became a citation');
});
