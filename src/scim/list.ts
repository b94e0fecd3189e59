import { isObject, keyOf, pathSegments } from './attribute-path.js';
import { ScimError } from './errors.js';
import { matches, parseFilter, simpleEquality, type Filter } from './filter.js';

type Json = Record<string, unknown>;

export const listSchema = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
/** The most resources one page carries (ServiceProviderConfig filter.maxResults). */
export const maxResults = 500;

export interface ListQuery {
  filter?: Filter;
  /** `attr eq "value"` alone: answered by an index instead of a scan. */
  lookup?: { attribute: string; value: string };
  startIndex: number;
  count: number;
  attributes?: string[];
  excludedAttributes?: string[];
}

/** startIndex (1-based), count, filter, attributes and excludedAttributes (RFC 7644 §3.4.2). */
export function parseListQuery(query: unknown): ListQuery {
  const q = (isObject(query) ? query : {}) as Record<string, string | undefined>;
  const integer = (name: string, fallback: number) => {
    const raw = q[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n)) throw new ScimError(400, `${name} must be an integer`, 'invalidValue');
    return n;
  };
  const filter = q.filter ? parseFilter(q.filter) : undefined;
  return {
    filter,
    lookup: filter && simpleEquality(filter),
    startIndex: Math.max(1, integer('startIndex', 1)),
    count: Math.min(maxResults, Math.max(0, integer('count', maxResults))),
    attributes: names(q.attributes),
    excludedAttributes: names(q.excludedAttributes),
  };
}

function names(text: string | undefined): string[] | undefined {
  return text ? text.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
}

/** Filters, pages and projects resources into a ListResponse (integers where Okta needs them). */
export function listResponse(resources: Json[], q: ListQuery): Json {
  const matching = q.filter ? resources.filter((r) => matches(r, q.filter!)) : resources;
  const page = matching.slice(q.startIndex - 1, q.startIndex - 1 + q.count);
  return {
    schemas: [listSchema],
    totalResults: matching.length,
    startIndex: q.startIndex,
    itemsPerPage: page.length,
    Resources: page.map((r) => project(r, q)),
  };
}

// Returned whatever `attributes` asks for (RFC 7643 §7 "returned: always").
const always = new Set(['id', 'schemas', 'meta']);

/** `attributes` keeps only the named ones (and id, schemas, meta); `excludedAttributes` drops them. */
export function project(resource: Json, q: Pick<ListQuery, 'attributes' | 'excludedAttributes'>): Json {
  if (q.attributes?.length) {
    const out: Json = {};
    for (const key of Object.keys(resource)) if (always.has(key)) out[key] = resource[key];
    for (const attr of q.attributes) copyPath(resource, out, pathSegments(attr));
    return out;
  }
  if (q.excludedAttributes?.length) {
    const out = structuredClone(resource);
    for (const attr of q.excludedAttributes) {
      const segments = pathSegments(attr);
      let parent: unknown = out;
      for (const s of segments.slice(0, -1)) parent = isObject(parent) ? parent[keyOf(parent, s)] : undefined;
      const last = segments[segments.length - 1]!;
      if (isObject(parent) && !always.has(last)) delete parent[keyOf(parent, last)];
    }
    return out;
  }
  return resource;
}

function copyPath(from: Json, to: Json, segments: string[]): void {
  const key = keyOf(from, segments[0]!);
  const value = from[key];
  if (value === undefined) return;
  if (segments.length === 1 || !isObject(value)) {
    to[key] = value;
    return;
  }
  const target = isObject(to[key]) ? (to[key] as Json) : {};
  to[key] = target;
  copyPath(value, target, segments.slice(1));
}
