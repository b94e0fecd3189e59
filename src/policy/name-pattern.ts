/**
 * A list of names as policies write them: exact names, or a prefix ending in `*`
 * (`mcp__github__*`, `claude-haiku-*`; `*` alone matches anything). Matching ignores case.
 * Compiled once per policy load, so a match costs a set lookup and a few prefix tests.
 */
export class NamePattern {
  private readonly exact = new Map<string, string>();
  private readonly prefixes: { prefix: string; pattern: string }[] = [];

  constructor(readonly patterns: readonly string[]) {
    for (const pattern of patterns) {
      const lower = pattern.toLowerCase();
      if (lower.endsWith('*')) this.prefixes.push({ prefix: lower.slice(0, -1), pattern });
      else this.exact.set(lower, pattern);
    }
  }

  /** The pattern that matches the name, or undefined. */
  match(name: string): string | undefined {
    const lower = name.toLowerCase();
    const exact = this.exact.get(lower);
    if (exact !== undefined) return exact;
    return this.prefixes.find((p) => lower.startsWith(p.prefix))?.pattern;
  }

  /** The pattern that matches any of the names, or undefined. */
  matchAny(names: Iterable<string>): string | undefined {
    for (const name of names) {
      const found = this.match(name);
      if (found !== undefined) return found;
    }
    return undefined;
  }
}
