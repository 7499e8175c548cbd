import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyMergePatch, canonicalJson, mergePatch, type Json } from "./merge-patch.js";

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
