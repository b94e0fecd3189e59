import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CitedText, citationOf, citedBlocks, type Source } from '../../../src/websearch/citations.js';

const pages: Source[] = [
  { url: 'https://a.example/one', title: 'Page one', extract: 'ccag 1.0 was released today.' },
  { url: 'https://b.example/two', title: 'Zwei – ü', extract: 'x'.repeat(200) },
  { url: 'https://c.example/three', title: 'Three', extract: '' },
];
const page = (n: number) => pages[n - 1];

/** The blocks a text becomes when streamed in the given pieces, folded as a client would. */
function streamed(parts: string[]): any[] {
  const relay = new CitedText(page);
  const events = [...parts.flatMap((p) => relay.push(p)), ...relay.end()];
  const blocks: any[] = [];
  let open = false;
  for (const e of events) {
    if (e.type === 'start') {
      assert.ok(!open, 'a block starts only after the previous one stopped');
      blocks.push(structuredClone(e.block));
      open = true;
    } else if (e.type === 'stop') {
      assert.ok(open, 'a stop closes an open block');
      open = false;
    } else if (e.delta.type === 'text_delta') blocks.at(-1).text += e.delta.text;
    else {
      assert.equal(blocks.at(-1).text, '', 'citations come before the claim');
      blocks.at(-1).citations.push(e.delta.citation);
    }
  }
  assert.ok(!open, 'every block is closed');
  return blocks;
}

/** Block texts and the urls cited by each, for compact comparisons. */
const shape = (blocks: any[]) => blocks.map((b) => (b.citations ? { cited: b.text, urls: b.citations.map((c: any) => c.url) } : b.text));

test('a cite tag becomes a text block with citations between plain text blocks', () => {
  const text = 'Big news: <cite n="1">ccag 1.0 is out</cite>. More <cite n="1,2">in two places</cite>!';
  const expected = ['Big news: ', { cited: 'ccag 1.0 is out', urls: ['https://a.example/one'] }, '. More ', { cited: 'in two places', urls: ['https://a.example/one', 'https://b.example/two'] }, '!'];
  assert.deepEqual(shape(citedBlocks(text, page)), expected);
  assert.deepEqual(citedBlocks(text, page)[1], {
    citations: [citationOf(pages[0]!, 1)],
    type: 'text',
    text: 'ccag 1.0 is out',
  });
});

test('the same blocks whatever way the text is cut into deltas, at every position', () => {
  const texts = [
    'Big news: <cite n="1">ccag 1.0 is out</cite>. More <cite n="1, 2">in two places</cite>!',
    '<cite n="2">Ünïcødé 🎉 claim</cite><cite n="3">next</cite> tail < not a tag <b>bold</b> </cit',
    'unknown <cite n="9">stays</cite> as written, <cite n="1">unclosed claim',
  ];
  for (const text of texts) {
    const whole = citedBlocks(text, page);
    for (let i = 0; i <= text.length; i++) {
      for (const j of [i, Math.min(text.length, i + 1), Math.min(text.length, i + 7)]) {
        assert.deepEqual(streamed([text.slice(0, i), text.slice(i, j), text.slice(j)]), whole, `cut at ${i} and ${j}: ${text}`);
      }
    }
    assert.deepEqual(streamed([...text]), whole, `one character at a time: ${text}`);
  }
});

test('text streams on; only what may start a tag is held back', () => {
  const relay = new CitedText(page);
  const texts = (events: ReturnType<CitedText['push']>) => events.flatMap((e) => (e.type === 'delta' && e.delta.type === 'text_delta' ? [e.delta.text] : []));
  assert.deepEqual(texts(relay.push('Hello <ci')), ['Hello ']);
  assert.deepEqual(texts(relay.push('ty> and <cite n="1')), ['<city> and ']);
  const opened = relay.push('">claim');
  assert.deepEqual(
    opened.map((e) => e.type),
    ['stop', 'start', 'delta', 'delta'],
    'the plain block closes, the cited one opens with its citation and the claim follows',
  );
  assert.deepEqual(texts(relay.push(' goes on</cite')), [' goes on']);
  assert.deepEqual(relay.push('>').map((e) => e.type), ['stop']);
  assert.deepEqual(relay.end(), [], 'nothing left open');
});

test('unknown numbers, malformed and nested tags stay the model\'s words', () => {
  for (const text of [
    'see <cite n="0">zero</cite>',
    'see <cite n="4">four</cite>',
    'see <cite n="1-2">range</cite>',
    'see <cite n="">empty</cite>',
    "see <cite n='1'>single quotes</cite>",
    'see <cite>no number</cite>',
    'see </cite> stray',
    `see <cite n="${'1'.repeat(120)}">long</cite>`,
  ]) {
    assert.deepEqual(shape(citedBlocks(text, page)), [text], text);
  }
  // Nested: the inner tag is part of the claim; the first </cite> closes the claim.
  assert.deepEqual(shape(citedBlocks('<cite n="1">a <cite n="2">b</cite> c</cite>', page)), [
    { cited: 'a <cite n="2">b', urls: ['https://a.example/one'] },
    ' c</cite>',
  ]);
  // Known numbers are cited, unknown ones dropped, duplicates once.
  assert.deepEqual(shape(citedBlocks('<cite n="7, 1,1">claim</cite>', page)), [{ cited: 'claim', urls: ['https://a.example/one'] }]);
});

test('an unclosed claim ends with its text; an empty claim or text gives no empty cited block', () => {
  assert.deepEqual(shape(citedBlocks('a <cite n="1">to the end', page)), ['a ', { cited: 'to the end', urls: ['https://a.example/one'] }]);
  assert.deepEqual(shape(citedBlocks('a <cite n="1"></cite>b', page)), ['a b']);
  assert.deepEqual(citedBlocks('', page), [{ type: 'text', text: '' }]);
  assert.deepEqual(shape(citedBlocks('trailing <cite n="1"', page)), ['trailing <cite n="1"']);
});

test('citations quote at most 150 characters of the extract and carry an opaque index', () => {
  const long = citationOf(pages[1]!, 2);
  assert.deepEqual(Object.keys(long).sort(), ['cited_text', 'encrypted_index', 'title', 'type', 'url']);
  assert.equal(long.cited_text, `${'x'.repeat(150)}...`);
  assert.equal(citationOf(pages[0]!, 1).cited_text, 'ccag 1.0 was released today.');
  assert.equal([...citationOf({ ...pages[0]!, extract: '🎉'.repeat(151) }, 1).cited_text].length, 153, 'cut at characters, not UTF-16 units');
  assert.match(long.encrypted_index, /^[A-Za-z0-9_-]+$/);
  assert.notEqual(long.encrypted_index, citationOf(pages[0]!, 1).encrypted_index);
});
