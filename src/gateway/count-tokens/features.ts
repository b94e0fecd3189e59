/**
 * What a request's token count depends on, measured without a tokenizer: Latin text, other
 * scripts (CJK and most non-Latin text cost about a token per character), images, tool
 * schemas, and the number of content blocks (each has a fixed overhead).
 */
export interface TokenFeatures {
  asciiBytes: number;
  otherChars: number;
  images: number;
  /** Image tokens as Anthropic's formula puts them (pixels / 750, after downscaling). */
  imageTokens: number;
  toolBytes: number;
  /** 1 when the request offers tools: the model then gets a tool-use system prompt of fixed size. */
  toolSets: number;
  blocks: number;
  /** Always 1: the fixed overhead of a request. */
  requests: number;
}

type Json = Record<string, any>;

export const featureNames = ['asciiBytes', 'otherChars', 'imageTokens', 'toolBytes', 'toolSets', 'blocks', 'requests'] as const;
export type FeatureName = (typeof featureNames)[number];

export function tokenFeatures(body: Json): TokenFeatures {
  const f: TokenFeatures = { asciiBytes: 0, otherChars: 0, images: 0, imageTokens: 0, toolBytes: 0, toolSets: 0, blocks: 0, requests: 1 };
  const text = (s: unknown) => {
    if (typeof s !== 'string') return;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 128) f.asciiBytes++;
      else if (c < 0xdc00 || c > 0xdfff) f.otherChars++; // count a surrogate pair once
    }
  };
  const block = (b: Json) => {
    f.blocks++;
    if (!b || typeof b !== 'object') return text(b);
    switch (b.type) {
      case 'text':
        return text(b.text);
      case 'thinking':
        return text(b.thinking);
      case 'image':
      case 'document':
        f.images++;
        f.imageTokens += imageTokensPrior(estimatedPixels(b.source));
        return;
      case 'tool_use':
        return text(JSON.stringify(b.input ?? {}));
      case 'tool_result':
        if (typeof b.content === 'string') return text(b.content);
        for (const inner of (b.content as Json[] | undefined) ?? []) block(inner);
        return;
      default:
        return text(JSON.stringify(b));
    }
  };
  if (typeof body.system === 'string') text(body.system);
  else for (const b of (body.system as Json[] | undefined) ?? []) block(b);
  for (const m of (body.messages as Json[] | undefined) ?? []) {
    if (typeof m?.content === 'string') {
      f.blocks++;
      text(m.content);
    } else for (const b of (m?.content as Json[] | undefined) ?? []) block(b);
  }
  for (const t of (body.tools as Json[] | undefined) ?? []) f.toolBytes += Buffer.byteLength(JSON.stringify(t));
  if (f.toolBytes > 0) f.toolSets = 1;
  return f;
}

/** Pixels of a base64 image, from its PNG/JPEG/GIF/WebP header when readable, else from its size. */
function estimatedPixels(source: Json | undefined): number {
  const data = typeof source?.data === 'string' ? source.data : '';
  if (!data) return 1_000_000;
  const head = Buffer.from(data.slice(0, 4096), 'base64');
  const size = imageSize(head);
  if (size) return size.width * size.height;
  // Unknown format: assume about 3 bytes per pixel of compressed data, scaled as images are.
  return Math.min(1_600_000, Math.ceil((data.length * 3) / 4) * 3);
}

function imageSize(b: Buffer): { width: number; height: number } | undefined {
  if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47) return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
  if (b.length >= 10 && b.toString('ascii', 0, 3) === 'GIF') return { width: b.readUInt16LE(6), height: b.readUInt16LE(8) };
  if (b.length >= 30 && b.toString('ascii', 0, 4) === 'RIFF' && b.toString('ascii', 8, 12) === 'WEBP') {
    if (b.toString('ascii', 12, 16) === 'VP8X') return { width: 1 + b.readUIntLE(24, 3), height: 1 + b.readUIntLE(27, 3) };
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
    for (let i = 2; i + 9 < b.length; ) {
      if (b[i] !== 0xff) return undefined;
      const marker = b[i + 1]!;
      const length = b.readUInt16BE(i + 2);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
      }
      i += 2 + length;
    }
  }
  return undefined;
}

/** Anthropic scales large images down to about 1.15 megapixels before counting ~750 pixels a token. */
export function imageTokensPrior(pixels: number): number {
  return Math.ceil(Math.min(pixels, 1_150_000) / 750);
}
