import { isObject, keyOf, pathSegments } from './attribute-path.js';
import { invalidPath, invalidValue, noTarget, ScimError } from './errors.js';
import { matches, parseFilter, type Filter } from './filter.js';

type Json = Record<string, unknown>;

export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path?: string;
  value?: unknown;
}

/** Attributes whose values are booleans: Entra sends them as the strings "True" / "False". */
const booleanAttributes = new Set(['active', 'primary']);
const patchSchema = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/**
 * A PatchOp body as the IdPs send it, normalised: op names in any case (Entra's `Replace`),
 * `Operations` required and non-empty.
 */
export function parsePatchBody(body: unknown): PatchOperation[] {
  if (!isObject(body)) throw new ScimError(400, 'the body must be a PatchOp object', 'invalidSyntax');
  const schemas = body.schemas;
  if (Array.isArray(schemas) && !schemas.includes(patchSchema)) throw new ScimError(400, `schemas must include ${patchSchema}`, 'invalidSyntax');
  const operations = body.Operations ?? body.operations;
  if (!Array.isArray(operations) || operations.length === 0) throw new ScimError(400, 'Operations must be a non-empty array', 'invalidSyntax');
  return operations.map((raw, i) => {
    if (!isObject(raw)) throw new ScimError(400, `Operations[${i}] must be an object`, 'invalidSyntax');
    const op = typeof raw.op === 'string' ? raw.op.toLowerCase() : '';
    if (op !== 'add' && op !== 'replace' && op !== 'remove') throw new ScimError(400, `Operations[${i}].op must be add, replace or remove`, 'invalidSyntax');
    if (raw.path !== undefined && typeof raw.path !== 'string') throw invalidPath(`Operations[${i}].path must be a string`);
    return { op, path: raw.path as string | undefined, value: raw.value };
  });
}

/** A PATCH path: the attribute's segments, an optional value filter, and an optional sub-attribute after it. */
interface PatchPath {
  segments: string[];
  filter?: Filter;
  sub?: string;
}

function parsePath(path: string): PatchPath {
  const open = path.indexOf('[');
  if (open === -1) {
    if (!/^[A-Za-z0-9_:$.\-]+$/.test(path)) throw invalidPath(`"${path}" is not an attribute path`);
    return { segments: pathSegments(path) };
  }
  const close = path.lastIndexOf(']');
  if (close < open) throw invalidPath(`"${path}" has an unclosed "["`);
  const rest = path.slice(close + 1);
  if (rest && !/^\.[A-Za-z0-9_$]+$/.test(rest)) throw invalidPath(`"${path}" has something after "]" that is not a sub-attribute`);
  let filter: Filter;
  try {
    filter = parseFilter(path.slice(open + 1, close));
  } catch (err) {
    throw invalidPath(`the filter in "${path}" is not valid: ${(err as Error).message}`);
  }
  return { segments: pathSegments(path.slice(0, open)), filter, sub: rest ? rest.slice(1) : undefined };
}

/**
 * Applies PATCH operations to a copy of a SCIM resource (RFC 7644 §3.5.2) and returns it,
 * leaving it to the caller to validate and store the result. Accepts what Okta and Entra
 * send: path-less add/replace whose value keys are dotted (`name.givenName`) or URN-qualified,
 * `members[value eq "…"]` paths, a `value` array on remove, and "True"/"False" for booleans.
 */
export function applyPatch(resource: Json, operations: PatchOperation[]): Json {
  const doc = structuredClone(resource);
  for (const operation of operations) {
    if (operation.path === undefined || operation.path === '') {
      if (operation.op === 'remove') throw noTarget('remove needs a path');
      if (!isObject(operation.value)) throw invalidValue(`${operation.op} without a path needs an object value`);
      for (const [key, value] of Object.entries(operation.value)) apply(doc, operation.op, parsePath(key), value);
    } else {
      apply(doc, operation.op, parsePath(operation.path), operation.value);
    }
  }
  return doc;
}

function apply(doc: Json, op: PatchOperation['op'], path: PatchPath, rawValue: unknown): void {
  const attribute = path.sub ?? path.segments[path.segments.length - 1]!;
  const value = coerce(attribute, rawValue);
  const { parent, key } = locate(doc, path.segments, op !== 'remove');
  if (!parent) return; // removing something that is not there
  if (path.filter) return applyFiltered(parent, key, op, path, value);
  const current = parent[key];
  if (op === 'remove') {
    if (Array.isArray(current) && Array.isArray(value)) {
      // Entra: remove the listed members, {"op":"Remove","path":"members","value":[{"value":"id"}]}.
      const gone = new Set(value.map((v) => (isObject(v) ? String(v.value) : String(v))));
      parent[key] = current.filter((el) => !(isObject(el) && gone.has(String(el.value))));
    } else delete parent[key];
    return;
  }
  if (op === 'add' && Array.isArray(current)) {
    parent[key] = appendUnique(current, Array.isArray(value) ? value : [value]);
    return;
  }
  if (op === 'add' && isObject(current) && isObject(value)) {
    parent[key] = { ...current, ...value };
    return;
  }
  parent[key] = value;
}

/** `emails[type eq "work"].value` and `members[value eq "id"]`: the elements the filter selects. */
function applyFiltered(parent: Json, key: string, op: PatchOperation['op'], path: PatchPath, value: unknown): void {
  const list = parent[key];
  const elements = Array.isArray(list) ? list : [];
  const selected = elements.filter((el) => matches(el, path.filter!));
  if (op === 'remove') {
    if (!path.sub) parent[key] = elements.filter((el) => !selected.includes(el));
    else for (const el of selected) if (isObject(el)) delete el[keyOf(el, path.sub)];
    return;
  }
  if (selected.length === 0) {
    // Entra replaces emails[type eq "work"].value on users that have no work email yet: the
    // element the filter describes is created (RFC 7644 would answer noTarget).
    const seed = elementFromFilter(path.filter!);
    if (!seed) throw noTarget(`no ${key} element matches the filter`);
    parent[key] = [...elements, path.sub ? { ...seed, [path.sub]: value } : { ...seed, ...(isObject(value) ? value : { value }) }];
    return;
  }
  for (const el of selected) {
    if (!isObject(el)) continue;
    if (path.sub) el[keyOf(el, path.sub)] = value;
    else if (isObject(value)) Object.assign(el, value);
  }
}

/** The element `attr eq "v"` describes ({attr: v}), for creating it. */
function elementFromFilter(filter: Filter): Json | undefined {
  if (filter.kind === 'compare' && filter.op === 'eq') return { [pathSegments(filter.path).join('.')]: filter.value };
  if (filter.kind === 'and') {
    const left = elementFromFilter(filter.left);
    const right = elementFromFilter(filter.right);
    return left && right ? { ...left, ...right } : undefined;
  }
  return undefined;
}

/** The object holding the path's last segment, creating intermediate objects when asked. */
function locate(doc: Json, segments: string[], create: boolean): { parent?: Json; key: string } {
  let parent: Json = doc;
  for (const segment of segments.slice(0, -1)) {
    const key = keyOf(parent, segment);
    let next = parent[key];
    if (!isObject(next)) {
      if (!create) return { key: segment };
      if (next !== undefined && next !== null) throw invalidPath(`"${segment}" is not a complex attribute`);
      next = {};
      parent[key] = next;
    }
    parent = next as Json;
  }
  return { parent, key: keyOf(parent, segments[segments.length - 1]!) };
}

function appendUnique(current: unknown[], added: unknown[]): unknown[] {
  const out = [...current];
  for (const item of added) {
    const duplicate = out.some((el) => (isObject(el) && isObject(item) && 'value' in item ? el.value === item.value : JSON.stringify(el) === JSON.stringify(item)));
    if (!duplicate) out.push(item);
  }
  return out;
}

/** "True"/"False" (any case) for boolean attributes, as Entra sends them. */
function coerce(attribute: string, value: unknown): unknown {
  if (booleanAttributes.has(attribute.toLowerCase()) && typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'true' || lower === 'false') return lower === 'true';
    throw invalidValue(`${attribute} must be true or false`);
  }
  return value;
}
