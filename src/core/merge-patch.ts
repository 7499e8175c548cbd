/**
 * RFC 7386 JSON merge patch between two documents: applying `mergePatch(before, after)` to `before` gives `after`.
 * Status is written as such a patch (with metadata.resourceVersion as a precondition), so a field that disappears from
 * the computed status is removed on the server too, and a write based on a stale read is refused.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (value: unknown): value is Record<string, Json> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * JSON with object keys sorted, so two documents that differ only in key order (the API server returns keys in its own
 * order, not in the order we built them) compare equal.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * Whether two documents are equal as JSON, key order aside (undefined members are absent): what comparing their
 * canonicalJson says, without building either string. A reconcile compares statuses this way on every pass, and the
 * strings were most of what the controller allocated in steady state.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      if (!jsonEqual(a[i] ?? null, b[i] ?? null)) return false;
    }
    return true;
  }
  if (!isObject(a) || !isObject(b)) return false;
  let members = 0;
  for (const key of Object.keys(a)) {
    const value = a[key];
    if (value === undefined) continue;
    members++;
    if (!jsonEqual(value, b[key])) return false;
  }
  for (const key of Object.keys(b)) if (b[key] !== undefined) members--;
  return members === 0;
}

/** The patch from `before` to `after`, or undefined when they are equal. Arrays are replaced whole, as RFC 7386 does. */
export function mergePatch(before: Json | undefined, after: Json): Json | undefined {
  if (!isObject(before) || !isObject(after)) {
    return jsonEqual(before, after) ? undefined : after;
  }
  const patch: Record<string, Json> = {};
  for (const key of Object.keys(before)) {
    if (!(key in after)) patch[key] = null;
  }
  for (const [key, value] of Object.entries(after)) {
    const sub = mergePatch(before[key], value);
    if (sub !== undefined) patch[key] = sub;
  }
  return Object.keys(patch).length === 0 ? undefined : patch;
}

/** Applies a merge patch (RFC 7386), for tests and for predicting what the server will hold. */
export function applyMergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const result: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}
