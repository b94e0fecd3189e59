/**
 * Citations of web search results. Bedrock's model cannot emit Anthropic's citations, so it is
 * told (in the search tool's description) to wrap a claim taken from a page in
 * `<cite n="2">claim</cite>`, n being the page's number in the results it read. The gateway turns
 * each such tag into a text block of its own with `web_search_result_location` citations, as
 * Anthropic's API sends them, and the text around it into plain text blocks. Anything that is
 * not a well-formed tag naming a known page stays the model's text, unchanged.
 */

type Json = Record<string, any>;

/** A page the model has read, numbered by its place in the conversation's list of pages. */
export interface Source {
  url: string;
  title: string;
  /** The extract the model read (empty when unknown). */
  extract: string;
}

/** Anthropic quotes at most this many characters of the page, then "...". */
const citedTextLength = 150;

export function citationOf(source: Source, n: number): Json {
  const chars = [...source.extract];
  const cited = chars.length > citedTextLength ? `${chars.slice(0, citedTextLength).join('')}...` : source.extract;
  return {
    type: 'web_search_result_location',
    cited_text: cited,
    url: source.url,
    title: source.title,
    // Opaque to clients, as Anthropic's is.
    encrypted_index: Buffer.from(JSON.stringify({ v: 1, n, url: source.url })).toString('base64url'),
  };
}

/** The model's text, cut at the tags: plain text, and claims framed by their citations. */
type Piece = { type: 'text'; text: string } | { type: 'claim_start'; citations: Json[] } | { type: 'claim_end' };

const opening = /^<cite\s+n\s*=\s*"([^"<>]*)"\s*>/;
/** Every prefix of an opening tag (the quoted value unfinished), so a tag split across deltas is held back. */
const openingPrefix = /^<(?:c(?:i(?:t(?:e(?:\s+(?:n(?:\s*(?:=(?:\s*(?:"(?:[^"<>]*(?:"\s*)?)?)?)?)?)?)?)?)?)?)?)?$/;
const closing = '</cite>';
/** Longer than any real tag: past this, a would-be tag is text (the stream must not stall). */
const maxTagLength = 100;

/** Cuts streamed text at `<cite n="…">` / `</cite>`, holding back only what may be the start of a tag. */
export class CiteParser {
  private held = '';
  /** Citations of the open tag; the claim starts with its first character (an empty claim cites nothing). */
  private claim: Json[] | undefined;
  private claimStarted = false;

  constructor(private readonly source: (n: number) => Source | undefined) {}

  push(text: string): Piece[] {
    const out: Piece[] = [];
    let rest = this.held + text;
    this.held = '';
    while (rest) {
      const lt = rest.indexOf('<');
      if (lt < 0) {
        this.text(rest, out);
        break;
      }
      this.text(rest.slice(0, lt), out);
      rest = rest.slice(lt);
      const tag = this.claim ? this.closingAt(rest, out) : this.openingAt(rest);
      if (tag === 'partial') {
        this.held = rest;
        break;
      }
      if (tag === 0) {
        this.text('<', out);
        rest = rest.slice(1);
        continue;
      }
      rest = rest.slice(tag);
    }
    return out;
  }

  /** The end of the text: held characters are text after all, an unclosed claim ends here. */
  end(): Piece[] {
    const out: Piece[] = [];
    this.text(this.held, out);
    this.held = '';
    this.closeClaim(out);
    return out;
  }

  /** Length of the complete tag at the start of `rest` (taking effect), 0 if none, 'partial' if it may become one. */
  private openingAt(rest: string): number | 'partial' {
    const m = opening.exec(rest);
    if (!m) return rest.length < maxTagLength && openingPrefix.test(rest) ? 'partial' : 0;
    const numbers = m[1]!.split(',').map((s) => s.trim());
    if (!numbers.every((s) => /^\d+$/.test(s))) return 0;
    const citations = [...new Set(numbers.map(Number))].flatMap((n) => {
      const source = this.source(n);
      return source ? [citationOf(source, n)] : [];
    });
    // A tag naming no page the model read is left as the model wrote it.
    if (citations.length === 0) return 0;
    this.claim = citations;
    return m[0].length;
  }

  private closingAt(rest: string, out: Piece[]): number | 'partial' {
    if (rest.startsWith(closing)) {
      this.closeClaim(out);
      return closing.length;
    }
    return closing.startsWith(rest) ? 'partial' : 0;
  }

  private closeClaim(out: Piece[]): void {
    if (this.claimStarted) out.push({ type: 'claim_end' });
    this.claim = undefined;
    this.claimStarted = false;
  }

  private text(text: string, out: Piece[]): void {
    if (!text) return;
    if (this.claim && !this.claimStarted) {
      out.push({ type: 'claim_start', citations: this.claim });
      this.claimStarted = true;
    }
    const last = out[out.length - 1];
    if (last?.type === 'text') last.text += text;
    else out.push({ type: 'text', text });
  }
}

/** What the client sees of the model's text: content blocks started, their deltas, and stops. */
export type BlockEvent = { type: 'start'; block: Json } | { type: 'delta'; delta: Json } | { type: 'stop' };

/**
 * One text block of the model as client blocks: plain text blocks, and a block per claim that
 * starts with `citations: []`, gets one `citations_delta` per page, then the claim as text.
 */
export class CitedText {
  private readonly parser: CiteParser;
  private open = false;
  private opened = false;

  constructor(source: (n: number) => Source | undefined) {
    this.parser = new CiteParser(source);
  }

  push(text: string): BlockEvent[] {
    return this.blocks(this.parser.push(text));
  }

  /** Closes the last block; a text block without any text stays one empty text block. */
  end(): BlockEvent[] {
    const out = this.blocks(this.parser.end());
    if (!this.opened) out.push({ type: 'start', block: { type: 'text', text: '' } });
    if (this.open || !this.opened) out.push({ type: 'stop' });
    this.open = false;
    this.opened = true;
    return out;
  }

  private blocks(pieces: Piece[]): BlockEvent[] {
    const out: BlockEvent[] = [];
    const start = (block: Json) => {
      if (this.open) out.push({ type: 'stop' });
      out.push({ type: 'start', block });
      this.open = this.opened = true;
    };
    for (const piece of pieces) {
      if (piece.type === 'claim_start') {
        start({ citations: [], type: 'text', text: '' });
        for (const citation of piece.citations) out.push({ type: 'delta', delta: { type: 'citations_delta', citation } });
        // The claim's text follows in this block.
      } else if (piece.type === 'claim_end') {
        out.push({ type: 'stop' });
        this.open = false;
      } else {
        if (!this.open) start({ type: 'text', text: '' });
        out.push({ type: 'delta', delta: { type: 'text_delta', text: piece.text } });
      }
    }
    return out;
  }
}

/** The same cutting for a whole text (non-streaming answers): the content blocks it becomes. */
export function citedBlocks(text: string, source: (n: number) => Source | undefined): Json[] {
  const relay = new CitedText(source);
  const blocks: Json[] = [];
  for (const event of [...relay.push(text), ...relay.end()]) {
    const block = blocks[blocks.length - 1];
    if (event.type === 'start') blocks.push({ ...event.block });
    else if (event.type === 'delta' && event.delta.type === 'text_delta') block!.text += event.delta.text;
    else if (event.type === 'delta') block!.citations = [...block!.citations, event.delta.citation];
  }
  return blocks;
}
