import { isObject, pathSegments, valuesAt } from './attribute-path.js';
import { invalidFilter } from './errors.js';

/**
 * SCIM filters (RFC 7644 §3.4.2.2): `eq ne co sw ew pr gt ge lt le`, `and or not`,
 * parentheses, and value paths `emails[type eq "work"]` (also followed by a sub-attribute and
 * a comparison, `emails[type eq "work"].value eq "x"`, as Entra sends). Operators and
 * attribute names are case-insensitive; string comparison is too, except for case-exact
 * attributes (id, externalId).
 */
export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type Filter =
  | { kind: 'compare'; path: string; op: CompareOp; value: string | number | boolean | null }
  | { kind: 'present'; path: string }
  | { kind: 'and' | 'or'; left: Filter; right: Filter }
  | { kind: 'not'; filter: Filter }
  | { kind: 'valuePath'; path: string; filter: Filter; then?: Filter };

const compareOps = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);
const caseExact = new Set(['id', 'externalid']);

type Token = { type: 'word'; text: string } | { type: 'value'; value: string | number | boolean | null } | { type: '(' | ')' | '[' | ']' };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      i++;
    } else if ('()[]'.includes(c)) {
      tokens.push({ type: c as '(' | ')' | '[' | ']' });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) throw invalidFilter(`unterminated string in filter at ${i + 1}`);
      try {
        tokens.push({ type: 'value', value: JSON.parse(text.slice(i, j + 1)) as string });
      } catch {
        throw invalidFilter(`bad string in filter at ${i + 1}`);
      }
      i = j + 1;
    } else {
      const match = /^[A-Za-z0-9_:$.\-+]+/.exec(text.slice(i));
      if (!match) throw invalidFilter(`unexpected "${c}" in filter at ${i + 1}`);
      const word = match[0];
      const lower = word.toLowerCase();
      if (lower === 'true' || lower === 'false') tokens.push({ type: 'value', value: lower === 'true' });
      else if (lower === 'null') tokens.push({ type: 'value', value: null });
      else if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(word)) tokens.push({ type: 'value', value: Number(word) });
      else tokens.push({ type: 'word', text: word });
      i += word.length;
    }
  }
  return tokens;
}

class Parser {
  private i = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): Filter {
    const filter = this.or();
    if (this.i < this.tokens.length) throw invalidFilter(`unexpected ${describe(this.tokens[this.i]!)} in filter`);
    return filter;
  }

  private or(): Filter {
    let left = this.and();
    while (this.keyword('or')) left = { kind: 'or', left, right: this.and() };
    return left;
  }

  private and(): Filter {
    let left = this.unary();
    while (this.keyword('and')) left = { kind: 'and', left, right: this.unary() };
    return left;
  }

  private unary(): Filter {
    if (this.keyword('not')) {
      this.expect('(');
      const filter = this.or();
      this.expect(')');
      return { kind: 'not', filter };
    }
    if (this.peek()?.type === '(') {
      this.i++;
      const filter = this.or();
      this.expect(')');
      return filter;
    }
    return this.attribute();
  }

  private attribute(): Filter {
    const token = this.tokens[this.i++];
    if (token?.type !== 'word') throw invalidFilter(`expected an attribute name, found ${token ? describe(token) : 'the end'}`);
    const path = token.text;
    if (this.peek()?.type === '[') {
      this.i++;
      const inner = this.or();
      this.expect(']');
      // `emails[type eq "work"].value eq "x"`: the sub-attribute is glued to the bracket.
      const next = this.peek();
      if (next?.type === 'word' && next.text.startsWith('.')) {
        this.i++;
        const then = this.comparison(next.text.slice(1));
        return { kind: 'valuePath', path, filter: inner, then };
      }
      return { kind: 'valuePath', path, filter: inner };
    }
    return this.comparison(path);
  }

  private comparison(path: string): Filter {
    const op = this.tokens[this.i++];
    if (op?.type !== 'word') throw invalidFilter(`expected an operator after ${path}`);
    const lower = op.text.toLowerCase();
    if (lower === 'pr') return { kind: 'present', path };
    if (!compareOps.has(lower)) throw invalidFilter(`unknown operator "${op.text}"`);
    const value = this.tokens[this.i++];
    if (value?.type !== 'value') throw invalidFilter(`expected a value after ${path} ${op.text}`);
    return { kind: 'compare', path, op: lower as CompareOp, value: value.value };
  }

  private keyword(word: string): boolean {
    const t = this.peek();
    if (t?.type === 'word' && t.text.toLowerCase() === word) {
      this.i++;
      return true;
    }
    return false;
  }

  private expect(type: '(' | ')' | ']'): void {
    const t = this.tokens[this.i++];
    if (t?.type !== type) throw invalidFilter(`expected "${type}" in filter`);
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }
}

function describe(t: Token): string {
  return t.type === 'word' ? `"${t.text}"` : t.type === 'value' ? JSON.stringify(t.value) : `"${t.type}"`;
}

export function parseFilter(text: string): Filter {
  if (text.length > 4096) throw invalidFilter('filter too long');
  return new Parser(tokenize(text)).parse();
}

/** Whether a resource (or an element of a multi-valued attribute) matches the filter. */
export function matches(resource: unknown, filter: Filter): boolean {
  switch (filter.kind) {
    case 'and':
      return matches(resource, filter.left) && matches(resource, filter.right);
    case 'or':
      return matches(resource, filter.left) || matches(resource, filter.right);
    case 'not':
      return !matches(resource, filter.filter);
    case 'present':
      return valuesAt(resource, pathSegments(filter.path)).some((v) => v !== '' && !(Array.isArray(v) && v.length === 0));
    case 'compare':
      return compareAt(resource, filter);
    case 'valuePath': {
      const elements = valuesAt(resource, pathSegments(filter.path)).flatMap((v) => (Array.isArray(v) ? v : [v]));
      return elements.some((el) => matches(el, filter.filter) && (!filter.then || matches(el, filter.then)));
    }
  }
}

function compareAt(resource: unknown, f: Extract<Filter, { kind: 'compare' }>): boolean {
  const segments = pathSegments(f.path);
  const exact = caseExact.has(segments[segments.length - 1]!.toLowerCase());
  // A multi-valued complex attribute compares by its `value` sub-attribute.
  const values = valuesAt(resource, segments).flatMap((v) => (Array.isArray(v) ? v : [v])).map((v) => (isObject(v) && 'value' in v ? v.value : v));
  if (f.op === 'ne') return !values.some((v) => compare(v, 'eq', f.value, exact));
  return values.some((v) => compare(v, f.op, f.value, exact));
}

function compare(actual: unknown, op: CompareOp, expected: string | number | boolean | null, exact: boolean): boolean {
  if (expected === null) return op === 'eq' ? actual === null : false;
  if (typeof expected === 'boolean' || typeof actual === 'boolean') {
    const a = typeof actual === 'string' ? actual.toLowerCase() === 'true' : actual;
    return op === 'eq' && a === expected;
  }
  if (typeof expected === 'number' && typeof actual === 'number') return numeric(actual, op, expected);
  if (typeof actual !== 'string' && typeof actual !== 'number') return false;
  const a = exact ? String(actual) : String(actual).toLowerCase();
  const e = exact ? String(expected) : String(expected).toLowerCase();
  switch (op) {
    case 'eq':
      return a === e;
    case 'co':
      return a.includes(e);
    case 'sw':
      return a.startsWith(e);
    case 'ew':
      return a.endsWith(e);
    case 'gt':
      return a > e;
    case 'ge':
      return a >= e;
    case 'lt':
      return a < e;
    case 'le':
      return a <= e;
    default:
      return false;
  }
}

function numeric(a: number, op: CompareOp, e: number): boolean {
  return op === 'eq' ? a === e : op === 'gt' ? a > e : op === 'ge' ? a >= e : op === 'lt' ? a < e : op === 'le' ? a <= e : false;
}

/** The value of `attr eq "value"` when the whole filter is just that (for an indexed lookup). */
export function simpleEquality(filter: Filter): { attribute: string; value: string } | undefined {
  if (filter.kind !== 'compare' || filter.op !== 'eq' || typeof filter.value !== 'string') return undefined;
  const segments = pathSegments(filter.path);
  return segments.length === 1 ? { attribute: segments[0]!.toLowerCase(), value: filter.value } : undefined;
}
