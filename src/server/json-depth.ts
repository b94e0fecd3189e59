/**
 * The deepest nesting of arrays and objects a request body may have. Real bodies (tool
 * schemas included) stay far below; a body nested 100,000 levels deep parses, but would
 * overflow the stack of any recursive code after it (translation, token features, logging).
 */
export const maxJsonDepth = 512;

/** True when `value` nests arrays/objects deeper than `max`; iterative, so any depth is safe to measure. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/** A 400 that every route family's error handler (Anthropic, SCIM, OAuth) maps as a client error. */
export function tooDeeplyNested(): Error {
  return Object.assign(new Error(`request body is nested more than ${maxJsonDepth} levels deep`), { statusCode: 400 });
}
