import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyMergePatch, canonicalJson, jsonEqual, mergePatch, type Json } from "./merge-patch.js";

// JSON without nulls inside objects: RFC 7386 cannot express "set to null", and status never holds nulls.
const json: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.boolean(),
    fc.integer(),
    fc.string(),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), tie("value"), { maxKeys: 4 }),
  ),
})).value;

describe("mergePatch", () => {
  it("is undefined for equal documents", () => {
    fc.assert(fc.property(json, (doc) => mergePatch(doc, structuredClone(doc)) === undefined));
  });

  it("turns before into after when applied", () => {
    fc.assert(
      fc.property(json, json, (before, after) => {
        const patch = mergePatch(before, after);
        expect(patch === undefined ? before : applyMergePatch(before, patch)).toEqual(after);
      }),
    );
  });

  it("sees no change where only the key order differs, in objects and inside arrays", () => {
    expect(mergePatch({ a: 1, b: [{ x: 1, y: 2 }] }, { b: [{ y: 2, x: 1 }], a: 1 })).toBeUndefined();
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
  });

  it("removes a vanished field with null and replaces arrays whole", () => {
    expect(mergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1, 2] }, { a: 1, b: { c: 2 }, l: [1] })).toEqual({
      b: { d: null },
      l: [1],
    });
  });
});

/** The same document with its keys in another order: what the API server returns for what we built. */
function reordered(value: Json, flip: boolean): Json {
  if (Array.isArray(value)) return value.map((v) => reordered(v, !flip));
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value).map(([k, v]) => [k, reordered(v, !flip)] as const);
  return Object.fromEntries(flip ? entries.reverse() : entries);
}

describe("jsonEqual", () => {
  it("says what comparing canonicalJson says, for equal, reordered and different documents", () => {
    const pair = fc.oneof(
      fc.tuple(json, json),
      json.map((a) => [a, reordered(a, true)] as const),
      fc.tuple(json, json).map(([a, b]) => [{ k: a, x: b }, reordered({ x: b, k: a }, false)] as const),
    );
    fc.assert(
      fc.property(pair, ([a, b]) => {
        expect(jsonEqual(a, b)).toBe(canonicalJson(a) === canonicalJson(b));
        expect(jsonEqual(b, a)).toBe(jsonEqual(a, b));
      }),
      { numRuns: 500 },
    );
  });

  it("treats an undefined member as absent, as JSON does", () => {
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).toBe(true);
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual([1, { c: [] }], [1, { c: [] }])).toBe(true);
    expect(jsonEqual([1], { 0: 1 })).toBe(false);
    expect(jsonEqual("1", 1)).toBe(false);
  });
});
