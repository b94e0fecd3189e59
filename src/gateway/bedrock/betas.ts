/**
 * Which `anthropic-beta` values go to Bedrock. There is no public list of what Bedrock
 * accepts, and one unsupported flag fails the whole request, so ccag passes only betas known
 * to work there (admins can allow more per model), translating names Bedrock knows otherwise.
 */

/** Betas Bedrock's Anthropic models are known to accept (the intersection of public observations). */
export const bedrockBetas: ReadonlySet<string> = new Set([
  'computer-use-2025-01-24',
  'context-1m-2025-08-07',
  'context-management-2025-06-27',
  'compact-2026-01-12',
  'dev-full-thinking-2025-05-14',
  'effort-2025-11-24',
  'fine-grained-tool-streaming-2025-05-14',
  'interleaved-thinking-2025-05-14',
  'output-128k-2025-02-19',
  'token-efficient-tools-2025-02-19',
  'tool-examples-2025-10-29',
  'tool-search-tool-2025-10-19',
]);

export const longContextBeta = 'context-1m-2025-08-07';
export const toolSearchBeta = 'tool-search-tool-2025-10-19';
export const computerUseBeta = 'computer-use-2025-01-24';

/** Bedrock's name for a beta the first-party API calls otherwise. */
export function bedrockBetaName(beta: string): string {
  if (beta.startsWith('advanced-tool-use-')) return toolSearchBeta;
  return beta;
}

/** Betas from the `anthropic-beta` header (comma-separated, possibly repeated) and a body `anthropic_beta`. */
export function requestedBetas(header: string | string[] | undefined, body: unknown): string[] {
  const fromHeader = [header ?? []].flat().flatMap((h) => h.split(','));
  const fromBody = Array.isArray(body) ? body.filter((b): b is string => typeof b === 'string') : typeof body === 'string' ? body.split(',') : [];
  return [...new Set([...fromHeader, ...fromBody].map((b) => b.trim()).filter(Boolean))];
}
