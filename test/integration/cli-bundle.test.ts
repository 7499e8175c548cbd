/**
 * The CLI as it ships (the one-file bundle of @switchyard-dev/cli, the same code the single executable embeds)
 * against a real API server: bundling can break what only runs when talking to a cluster (the kubeconfig's client
 * certificates, TLS, the HTTP client), which `--help` never reaches. No controller runs: these commands only read
 * and annotate.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildBundle } from "../../scripts/build-cli.js";
import { pausedAnnotation } from "../../src/crds/definitions.js";
import { EmulatorControl } from "../env/aws-emulator.js";
import { seedCheckout } from "../fixtures/checkout-world.js";
import { Cluster, eventually } from "../fixtures/world.js";

const env = inject("env");
const [east, west] = env.regions.map((r) => new Cluster(env, r)) as [Cluster, Cluster];
const namespace = "cli-bundle";
let bundle = "";
let home = "";

/** The bundle run by a bare node, from an empty folder, with nothing of the checkout on its module path. */
function shipped(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bundle, "-n", namespace, ...args],
      { cwd: home, env: { HOME: home, KUBECONFIG: west.info.kubeconfig }, timeout: 30_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

beforeAll(async () => {
  home = await mkdtemp(`${tmpdir()}/switchyard-bundle-`);
  bundle = await buildBundle();
  await new EmulatorControl(env.aws.endpoint).reset();
  await seedCheckout(
    env.aws,
    { "us-east-1": east, "eu-west-1": west },
    { namespace, endpoints: "http://127.0.0.1:9/", mode: "Manual", approval: false },
  );
  // Right after a CRD is (re)created the API server answers "storage is (re)initializing" for a moment.
  await eventually("FailoverRuns to be listable", async () => (await west.runs(namespace)) ?? undefined);
}, 120_000);

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("the shipped CLI bundle against a real cluster", () => {
  it("reads a policy (status) over the kubeconfig's TLS client certificate", async () => {
    const result = await shipped(["status", "checkout"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toContain(`RegionPolicy ${namespace}/checkout`);
    expect(result.stdout).toMatch(/us-east-1 +primary/);
    expect(result.stdout).toMatch(/eu-west-1 +secondary/);
  });

  it("writes (pause, resume) and the cluster shows it", async () => {
    expect(await shipped(["pause", "checkout", "--reason", "bundle test"])).toMatchObject({ code: 0, stderr: "" });
    expect((await west.policy(namespace, "checkout")).metadata?.annotations?.[pausedAnnotation]).toBe("true");
    expect(await shipped(["resume", "checkout"])).toMatchObject({ code: 0, stderr: "" });
    expect((await west.policy(namespace, "checkout")).metadata?.annotations?.[pausedAnnotation]).toBeUndefined();
  });

  it("names an unknown policy with the documented exit code", async () => {
    const result = await shipped(["status", "nope"]);
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr.trim()).toBe(`error: RegionPolicy ${namespace}/nope not found`);
  });
});
