import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { EmulatedRequest } from '../../../src/emulator/index.js';
import { useInferenceRig } from '../../helpers/inference.js';
import { addSearchProvider } from '../../helpers/search.js';
import { startLoopback, type Loopback } from './loopback.js';

/**
 * Citations: the emulated model cites the pages it read with <cite n="…"> tags, as the search
 * tool's description tells it to, and the client gets Anthropic's cited text blocks.
 */
const env = useInferenceRig('pglite');
let provider: Loopback;
const pages = [
  { url: 'https://ccag.example/news', title: 'ccag 1.0 released', snippet: 'ccag 1.0 was released today. It lets Claude Code run on Bedrock.' },
  { url: 'https://docs.ccag.example/search', title: 'Web search in ccag – docs', snippet: 'The gateway runs web search with its own provider.' },
];

before(async () => {
  provider = await startLoopback();
});
after(() => provider.close());

/** Each search finds one page of `pages`, in order. */
function providerFinds(...found: (typeof pages)[number][]) {
  provider.reply(...found.map((p) => ({ body: JSON.stringify({ results: [p] }) })));
}

const toolResults = (req: EmulatedRequest) =>
  (req.body.messages as any[]).flatMap((m) => (Array.isArray(m.content) ? m.content : [])).filter((b: any) => b.type === 'tool_result');

/** The emulated model: searches `searches` times, then answers citing with `answer` (given what it read). */
function citingModel(searches: number, answer: (read: string) => string) {
  return (req: EmulatedRequest) => {
    if (!req.operation.startsWith('InvokeModel')) return undefined;
    const results = toolResults(req);
    if (results.length >= searches) return { kind: 'message' as const, blocks: [{ type: 'text' as const, text: answer(results.map((r: any) => r.content).join('\n')) }] };
    return {
      kind: 'message' as const,
      blocks: [{ type: 'tool_use' as const, name: 'web_search', input: { query: `ccag ${results.length + 1}` } }],
      stopReason: 'tool_use' as const,
    };
  };
}

const twoPageAnswer = 'News: <cite n="1">ccag 1.0 is out</cite> and <cite n="1,2">search runs in the gateway</cite>. Also <cite n="7">unknown</cite>.';

const searchRequest = (extra: Record<string, unknown> = {}) => ({
  model: 'claude-sonnet-4-5',
  max_tokens: 500,
  tools: [{ type: 'web_search_20250305', name: 'web_search' }],
  messages: [{ role: 'user' as const, content: 'What is new with ccag?' }],
  ...extra,
});

describe('web search citations', () => {
  before(() => addSearchProvider(env.rig.gw.url, 'loopback', `${provider.url}/search`));

  test('streamed and JSON answers carry the same blocks, cited claims with the pages the provider found', async () => {
    let read = '';
    const model = citingModel(2, (r) => ((read = r), twoPageAnswer));
    env.rig.emulator.configure({ script: model });
    providerFinds(pages[0]!, pages[1]!);
    const json = await env.rig.sdk().messages.create(searchRequest() as any);
    assert.match(read, /\[1\] ccag 1\.0 released[\s\S]*\[2\] Web search in ccag/, 'pages are numbered across the searches of the turn');

    providerFinds(pages[0]!, pages[1]!);
    const events: any[] = [];
    const stream = env.rig.sdk().messages.stream(searchRequest() as any);
    stream.on('streamEvent', (e) => events.push(e));
    const final = await stream.finalMessage();

    const expected = [
      { type: 'server_tool_use' },
      { type: 'web_search_tool_result' },
      { type: 'server_tool_use' },
      { type: 'web_search_tool_result' },
      { type: 'text', text: 'News: ' },
      { type: 'text', text: 'ccag 1.0 is out', cites: [pages[0]!] },
      { type: 'text', text: ' and ' },
      { type: 'text', text: 'search runs in the gateway', cites: [pages[0]!, pages[1]!] },
      { type: 'text', text: '. Also <cite n="7">unknown</cite>.' },
    ];
    for (const [name, message] of [['JSON', json], ['stream', final]] as const) {
      const blocks = message.content.map((b: any) =>
        b.type !== 'text' ? { type: b.type } : { type: 'text', text: b.text, ...(b.citations ? { cites: b.citations.map((c: any) => ({ url: c.url, title: c.title, snippet: pages.find((p) => p.url === c.url)!.snippet })) } : {}) },
      );
      assert.deepEqual(blocks, expected, name);
      const citation = (message.content[5] as any).citations[0];
      assert.equal(citation.type, 'web_search_result_location');
      assert.equal(citation.cited_text, pages[0]!.snippet, `${name}: a short extract is quoted whole`);
      assert.equal(typeof citation.encrypted_index, 'string');
    }

    // The stream: each cited block starts with citations: [], then its citations_delta events, then the claim.
    const starts = events.filter((e) => e.type === 'content_block_start');
    assert.deepEqual(starts.map((e) => e.index), starts.map((_, i) => i), 'block indexes run on without gaps');
    const cited = starts.find((e) => e.content_block.citations);
    assert.deepEqual(cited.content_block, { citations: [], type: 'text', text: '' });
    const deltas = events.filter((e) => e.type === 'content_block_delta' && e.index === cited.index).map((e) => e.delta.type);
    assert.deepEqual(deltas.slice(0, 1), ['citations_delta']);
    assert.ok(deltas.slice(1).every((t) => t === 'text_delta') && deltas.length > 1);
  });

  test('citation events have the fields of a recorded Anthropic web-search stream', async () => {
    const recorded = readFileSync(new URL('../../fixtures/vercel-anthropic-web-search-tool.1.abridged.chunks.txt', import.meta.url), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    env.rig.emulator.configure({ script: citingModel(2, () => twoPageAnswer) });
    providerFinds(pages[0]!, pages[1]!);
    const ours: any[] = [];
    const stream = env.rig.sdk().messages.stream(searchRequest() as any);
    stream.on('streamEvent', (e) => ours.push(e));
    await stream.done();
    const keysOf = (o: object) => Object.keys(o).sort();
    const citedStart = (events: any[]) => events.find((e) => e.type === 'content_block_start' && e.content_block.citations).content_block;
    const citationDelta = (events: any[]) => events.find((e) => e.type === 'content_block_delta' && e.delta.type === 'citations_delta');
    assert.deepEqual(citedStart(ours), citedStart(recorded), 'the cited block starts empty, as recorded');
    assert.deepEqual(keysOf(citationDelta(ours)), keysOf(citationDelta(recorded)));
    assert.deepEqual(keysOf(citationDelta(ours).delta), keysOf(citationDelta(recorded).delta));
    assert.deepEqual(keysOf(citationDelta(ours).delta.citation), keysOf(citationDelta(recorded).delta.citation));
    // Plain text blocks carry no citations field, as recorded.
    const plain = (events: any[]) => events.filter((e) => e.type === 'content_block_start' && e.content_block.type === 'text' && !e.content_block.citations).map((e) => keysOf(e.content_block).join());
    assert.deepEqual(new Set(plain(ours)), new Set(plain(recorded)));
  });

  test('long extracts are quoted up to 150 characters; a follow-up turn keeps cited text as plain text and numbers on', async () => {
    const long = { ...pages[0]!, snippet: `${'ccag '.repeat(40)}end.` };
    env.rig.emulator.configure({ script: citingModel(1, () => 'Read: <cite n="1">ccag, repeated</cite>.') });
    providerFinds(long);
    const first = await env.rig.sdk().messages.create(searchRequest() as any);
    const citation = (first.content.find((b: any) => b.citations) as any).citations[0];
    assert.equal(citation.cited_text, `${long.snippet.slice(0, 150)}...`);

    // Next turn: the client sends the answer back and the model searches again, citing both turns' pages.
    let read = '';
    env.rig.emulator.configure({ script: citingModel(2, (r) => ((read = r), 'Both: <cite n="1">old page</cite> <cite n="2">new page</cite>')) });
    providerFinds(pages[1]!);
    const second = await env.rig.sdk().messages.create(
      searchRequest({
        messages: [
          { role: 'user', content: 'What is new with ccag?' },
          { role: 'assistant', content: first.content },
          { role: 'user', content: 'And its web search?' },
        ],
      }) as any,
    );
    const sent = env.rig.emulator.requests.filter((r) => r.operation === 'InvokeModel').at(-1)!.body.messages as any[];
    const history = sent.find((m) => m.role === 'assistant' && m.content.some((b: any) => b.type === 'text' && b.text === 'ccag, repeated'));
    assert.ok(history, 'the cited claim reaches the model as plain text');
    assert.ok(!JSON.stringify(sent).includes('citations'), 'Bedrock sees no citations');
    assert.match(read, /\[2\] Web search in ccag/, 'the new page is numbered after the earlier one');
    const cites = second.content.filter((b: any) => b.citations).map((b: any) => [b.text, b.citations[0].url]);
    assert.deepEqual(cites, [
      ['old page', long.url],
      ['new page', pages[1]!.url],
    ]);
  });
});
