/**
 * Argo CD health checks for the four kinds, run the way Argo CD runs them: each health.lua in gopher-lua (the
 * interpreter Argo CD embeds, built here from the Go module proxy) with the object as `obj`, against every sample in
 * its health_test.yaml (Argo CD's resource_customizations layout, so the scripts could go upstream as they are).
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { argocdPatch, customizations, patchFile } from "../../scripts/argocd-cm.js";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..", "..");
const kinds = ["DrillSchedule", "FailoverPlan", "FailoverRun", "RegionPolicy"];

interface HealthTest {
  healthStatus: { status: string; message: string };
  inputPath: string;
}

let dir: string;
let interpreter: string;

/** What Argo CD would show for `object` under `script`. */
function health(script: string, object: unknown): Promise<{ status: string; message: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(interpreter, [script], (error, stdout, stderr) => {
      if (error) reject(new Error(`${script}: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as { status: string; message: string });
    });
    child.stdin?.end(JSON.stringify(object));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "switchyard-argocd-"));
  interpreter = join(dir, "argocd-lua");
  await run("go", ["build", "-o", interpreter, "."], {
    cwd: join(root, "test", "env", "binaries", "argocd-lua"),
    env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=readonly" },
  });
}, 300_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("Argo CD health checks", () => {
  it("cover exactly the four kinds", async () => {
    expect((await readdir(join(customizations, "switchyard.dev"))).sort()).toEqual(kinds);
  });

  describe.each(kinds)("%s", (kind) => {
    const folder = join(customizations, "switchyard.dev", kind);

    it("gives the expected health for every sample, and every sample is tested", async () => {
      const { tests } = parse(await readFile(join(folder, "health_test.yaml"), "utf8")) as { tests: HealthTest[] };
      const samples = (await readdir(join(folder, "testdata"))).map((f) => `testdata/${f}`).sort();
      expect(tests.map((t) => t.inputPath).sort()).toEqual(samples);
      for (const test of tests) {
        const object: unknown = parse(await readFile(join(folder, test.inputPath), "utf8"));
        expect({ sample: test.inputPath, ...(await health(join(folder, "health.lua"), object)) }).toEqual({
          sample: test.inputPath,
          ...test.healthStatus,
        });
      }
    });

    it("never fails on an object with nothing but its kind", async () => {
      const bare = { apiVersion: "switchyard.dev/v1alpha1", kind, metadata: { name: "x" } };
      const result = await health(join(folder, "health.lua"), bare);
      expect(["Progressing", "Healthy"]).toContain(result.status);
    });
  });

  it("the argocd-cm patch carries the scripts as they are (npx tsx scripts/argocd-cm.ts)", async () => {
    expect(await readFile(patchFile, "utf8")).toBe(await argocdPatch());
  });
});
