/**
 * SCIM attribute paths (RFC 7644 §3.10): `userName`, `name.givenName`, and URN-qualified forms
 * (`urn:ietf:params:scim:schemas:core:2.0:User:userName`,
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`), as the
 * segments to walk in a resource. Core URNs address top-level attributes; an extension URN is
 * a top-level key of its own.
 */
const corePrefix = /^urn:ietf:params:scim:schemas:core:2\.0:(user|group):/i;

export function pathSegments(attrPath: string): string[] {
  const core = corePrefix.exec(attrPath);
  if (core) return attrPath.slice(core[0].length).split('.');
  if (/^urn:/i.test(attrPath)) {
    const cut = attrPath.lastIndexOf(':');
    return [attrPath.slice(0, cut), ...attrPath.slice(cut + 1).split('.')];
  }
  return attrPath.split('.');
}

/** The key of an object that a path segment names: attribute names are case-insensitive. */
export function keyOf(obj: Record<string, unknown>, segment: string): string {
  if (segment in obj) return segment;
  const lower = segment.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === lower) ?? segment;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The values at a path: arrays are flattened, so `emails.value` gives every email's value. */
export function valuesAt(resource: unknown, segments: string[]): unknown[] {
  let current: unknown[] = [resource];
  for (const segment of segments) {
    const next: unknown[] = [];
    for (const v of current.flatMap((c) => (Array.isArray(c) ? c : [c]))) {
      if (isObject(v)) {
        const value = v[keyOf(v, segment)];
        if (value !== undefined && value !== null) next.push(value);
      }
    }
    current = next;
  }
  return current;
}
