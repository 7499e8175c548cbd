import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoffDelay } from "./informer-loop.js";
import { objectKey, planRelist } from "./informer-store.js";
import { isExpired, KubeApiError, resourcePath } from "./list-watch.js";

const cm = (name: string, resourceVersion: string) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "ns", resourceVersion },
});

describe("resourcePath", () => {
  it.each([
    [{ group: "", version: "v1", plural: "configmaps", namespace: "ns" }, "/api/v1/namespaces/ns/configmaps"],
    [{ group: "", version: "v1", plural: "configmaps" }, "/api/v1/configmaps"],
    [
      { group: "switchyard.io", version: "v1alpha1", plural: "regionpolicies", namespace: "a" },
      "/apis/switchyard.io/v1alpha1/namespaces/a/regionpolicies",
    ],
    [{ group: "coordination.k8s.io", version: "v1", plural: "leases" }, "/apis/coordination.k8s.io/v1/leases"],
  ])("%o → %s", (ref, path) => {
    expect(resourcePath(ref)).toBe(path);
  });
});

describe("objectKey", () => {
  it("is namespace/name, or name for cluster-scoped objects", () => {
    expect(objectKey(cm("a", "1"))).toBe("ns/a");
    expect(objectKey({ apiVersion: "v1", kind: "Node", metadata: { name: "node-1" } })).toBe("node-1");
  });
});

describe("planRelist", () => {
  it("deletes what is gone, adds what is new and updates every survivor, changed or not", () => {
    const cache = new Map([
      ["ns/kept", cm("kept", "1")],
      ["ns/changed", cm("changed", "1")],
      ["ns/gone", cm("gone", "1")],
    ]);
    const plan = planRelist(cache, [cm("kept", "1"), cm("changed", "2"), cm("new", "3")]);
    expect(plan.deleted.map(objectKey)).toEqual(["ns/gone"]);
    expect(plan.added.map(objectKey)).toEqual(["ns/new"]);
    expect(
      plan.updated.map(([old, obj]) => [objectKey(obj), old.metadata.resourceVersion, obj.metadata.resourceVersion]),
    ).toEqual([
      ["ns/kept", "1", "1"],
      ["ns/changed", "1", "2"],
    ]);
  });

  it("applied to any cache, yields exactly the listed objects (property)", () => {
    const names = fc.uniqueArray(fc.constantFrom("a", "b", "c", "d", "e", "f"));
    fc.assert(
      fc.property(names, names, (cached, listed) => {
        const cache = new Map(cached.map((n) => [`ns/${n}`, cm(n, "1")]));
        const items = listed.map((n) => cm(n, "2"));
        const plan = planRelist(cache, items);
        for (const obj of plan.deleted) cache.delete(objectKey(obj));
        for (const obj of [...plan.added, ...plan.updated.map(([, o]) => o)]) cache.set(objectKey(obj), obj);
        expect([...cache.keys()].sort()).toEqual(listed.map((n) => `ns/${n}`).sort());
        expect([...cache.values()].every((o) => o.metadata.resourceVersion === "2")).toBe(true);
        expect(plan.added.length + plan.updated.length).toBe(listed.length);
      }),
    );
  });
});

describe("backoffDelay", () => {
  it("doubles from the initial delay up to the cap, jittered between half and all of it", () => {
    expect(backoffDelay(1, 800, 30_000, () => 0)).toBe(400);
    expect(backoffDelay(1, 800, 30_000, () => 0.999999)).toBeCloseTo(800, 2);
    expect(backoffDelay(3, 800, 30_000, () => 1)).toBe(3200);
    expect(backoffDelay(50, 800, 30_000, () => 1)).toBe(30_000);
  });

  it("stays within [ceiling/2, ceiling] and the ceiling never decreases (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (failures, initial, extra, r) => {
          const max = initial + extra;
          const ceiling = Math.min(initial * 2 ** (failures - 1), max);
          const delay = backoffDelay(failures, initial, max, () => r);
          expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
          expect(delay).toBeLessThanOrEqual(ceiling);
          expect(backoffDelay(failures + 1, initial, max, () => 1)).toBeGreaterThanOrEqual(ceiling);
        },
      ),
    );
  });
});

describe("isExpired", () => {
  it("recognises 410 Gone only", () => {
    expect(isExpired(new KubeApiError(410, "Expired", "too old resource version"))).toBe(true);
    expect(isExpired(new KubeApiError(500, undefined, "boom"))).toBe(false);
    expect(isExpired(new Error("410"))).toBe(false);
  });
});
