/**
 * The API as the API server enforces it: the CRDs install into a real kube-apiserver and become Established, kubectl
 * explains them, the example application is accepted, and every realistic mistake in test/fixtures/invalid is
 * rejected at admission with a message that names the field.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ApiextensionsV1Api, KubeConfig } from "@kubernetes/client-node";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { kinds, plurals } from "../../src/crds/definitions.js";
import { installCrds, kubectl, kubectlOk } from "../env/kubectl.js";

const env = inject("env");
const region = env.regions[0]!;
const root = join(import.meta.dirname, "..", "..");
const invalidDir = join(root, "test", "fixtures", "invalid");
const invalid = readdirSync(invalidDir).filter((f) => f.endsWith(".yaml"));

beforeAll(async () => {
  await installCrds(env, region.kubeconfig, join(root, "src", "crds"));
});

describe("the CRDs in a real API server", () => {
  it("are Established with the names, short names and category users type", async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(region.kubeconfig);
    const api = kc.makeApiClient(ApiextensionsV1Api);
    for (const kind of kinds) {
      const crd = await api.readCustomResourceDefinition({ name: `${plurals[kind]}.switchyard.dev` });
      const established = crd.status?.conditions?.find((c) => c.type === "Established");
      expect(established?.status, kind).toBe("True");
      expect(crd.spec.names.categories).toEqual(["switchyard"]);
      expect(crd.spec.names.shortNames?.length, kind).toBeGreaterThan(0);
    }
  });

  it("are stored as written, so another applier (Helm, Argo CD, kubectl) co-owns them rather than conflicting", async () => {
    // A field the API server normalizes away (a `false` or `0` default) makes the stored atomic list differ from
    // the manifest, and every server-side apply by a second field manager then conflicts on .spec.versions.
    const result = await kubectl(env, region.kubeconfig, [
      ...["apply", "--server-side", "--dry-run=server", "--field-manager=another-applier"],
      ...["-f", join(root, "src", "crds")],
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("teach the API through kubectl explain", async () => {
    const out = await kubectlOk(env, region.kubeconfig, ["explain", "regionpolicy.spec.dampening"]);
    expect(out).toContain("failureThreshold");
    expect(out).toContain("holdDownSeconds");
    expect(out).toMatch(/consecutive/i);
  });

  it("accept every example manifest (server-side dry run)", async () => {
    const result = await kubectl(env, region.kubeconfig, [
      ...["apply", "--dry-run=server", "-f", join(root, "examples", "checkout")],
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split("\n")).toHaveLength(4);
  });

  it("has a corpus of at least 15 distinct mistakes", () => {
    expect(invalid.length).toBeGreaterThanOrEqual(15);
  });

  it.each(invalid)("rejects %s at admission, naming the field", async (file) => {
    const text = readFileSync(join(invalidDir, file), "utf8");
    const expected = /^# expect: (.+)$/m.exec(text)?.[1]?.trim();
    expect(expected, `${file} has no '# expect:' line`).toBeTruthy();
    const result = await kubectl(env, region.kubeconfig, ["apply", "--dry-run=server", "-f", "-"], text);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(expected);
  });

  it("defaults what the user left out", async () => {
    const out = await kubectlOk(env, region.kubeconfig, [
      ...["apply", "--dry-run=server", "-o", "json", "-f", join(root, "examples", "checkout", "regionpolicy.yaml")],
    ]);
    const policy = JSON.parse(out) as { spec: { dampening: { flapPenalty: { halfLifeSeconds: number } } } };
    expect(policy.spec.dampening.flapPenalty.halfLifeSeconds).toBe(900);
  });
});
