/**
 * The release workflow runs only on a tag, long after the change that broke it, so it is checked here: actionlint
 * (the same binary `make lint` runs over .github/workflows) shown to reject broken variants, and what the workflow
 * publishes held against what the chart and the krew manifest expect.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { krewPlatforms } from "../../scripts/krew-manifest.js";
import { ensureBinary } from "../env/binaries.js";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..", "..");
const workflowText = await readFile(join(root, ".github", "workflows", "release.yml"), "utf8");

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  permissions?: Record<string, string>;
  steps: Step[];
  strategy?: { matrix: { include: { runner: string; platform: string }[] } };
}
const workflow = parse(workflowText) as {
  on: { push: { tags: string[] } };
  permissions: Record<string, string>;
  env: Record<string, string>;
  jobs: Record<string, Job>;
};
const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);

describe("actionlint on the release workflow", () => {
  let actionlint = "";
  let dir = "";
  beforeAll(async () => {
    actionlint = await ensureBinary("actionlint");
    dir = await mkdtemp(join(tmpdir(), "actionlint-"));
  }, 300_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** actionlint's findings on a workflow text; [] when it passes. */
  async function lint(text: string): Promise<string[]> {
    const file = join(dir, "release.yml");
    await writeFile(file, text);
    try {
      await run(actionlint, ["-no-color", "-oneline", file]);
      return [];
    } catch (error) {
      const failed = error as { code?: number; stdout?: string };
      // Exit status 1 is "problems found"; anything else is actionlint itself failing.
      expect(failed.code).toBe(1);
      return (failed.stdout ?? "").trim().split("\n");
    }
  }

  it("passes the workflow as committed", async () => {
    expect(await lint(workflowText)).toEqual([]);
  });

  it.each([
    [
      "a job needing one that does not exist",
      (w: string) => w.replace("needs: [check, image]", "needs: [check, imgae]"),
    ],
    [
      "an undefined step output",
      (w: string) => w.replace("steps.build.outputs.digest }}", "steps.biuld.outputs.digest }}"),
    ],
    [
      "a matrix value that does not exist",
      (w: string) => w.replace("name: cli-${{ matrix.platform }}", "name: cli-${{ matrix.platfrom }}"),
    ],
    ["a permission that does not exist", (w: string) => w.replace("packages: write", "package: write")],
    [
      "a shell script error",
      (w: string) => w.replace('cosign sign --yes "$IMAGE@$DIGEST"', 'if cosign sign --yes "$IMAGE@$DIGEST"'),
    ],
  ])("rejects %s", async (_name, mutate) => {
    const broken = mutate(workflowText);
    expect(broken).not.toBe(workflowText);
    expect((await lint(broken)).length).toBeGreaterThan(0);
  });
});

describe("what the release workflow publishes", () => {
  it("pushes the image the chart runs by default: its repository, tagged with the chart's appVersion", async () => {
    const values = parse(await readFile(join(root, "charts", "switchyard", "values.yaml"), "utf8")) as {
      image: { repository: string; tag: string };
    };
    const chart = parse(await readFile(join(root, "charts", "switchyard", "Chart.yaml"), "utf8")) as {
      version: string;
      appVersion: string;
    };
    const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as { version: string };
    expect(workflow.env.IMAGE).toBe(values.image.repository);
    // The deployment uses `default .Chart.AppVersion .Values.image.tag`; the check job holds the tag (without its v),
    // the chart's version and appVersion and package.json's version equal, and the image is tagged {{version}}.
    expect(values.image.tag).toBe("");
    expect([chart.version, chart.appVersion]).toEqual([pkg.version, pkg.version]);
    const meta = steps.find((s) => s.uses?.startsWith("docker/metadata-action@"));
    expect(String(meta?.with?.tags)).toContain("type=semver,pattern={{version}}");
    const build = steps.find((s) => s.uses?.startsWith("docker/build-push-action@"));
    expect(build?.with).toMatchObject({ platforms: "linux/amd64,linux/arm64", push: true, sbom: true });
    expect(workflow.jobs.image?.steps.some((s) => s.run?.includes('cosign sign --yes "$IMAGE@$DIGEST"'))).toBe(true);
    expect(workflow.env.CHART_REPOSITORY).toBe("oci://ghcr.io/switchyard-dev/charts");
    expect(workflow.jobs.chart?.steps.some((s) => s.run?.includes('helm push "$RUNNER_TEMP/chart/switchyard-'))).toBe(
      true,
    );
  });

  it("builds a CLI archive for every platform of the krew manifest", () => {
    const built = workflow.jobs.cli?.strategy?.matrix.include.map((entry) => entry.platform);
    expect(built?.sort()).toEqual(krewPlatforms.map(({ os, arch }) => `${os}_${arch}`).sort());
  });

  it("pins every action by commit, with the tag it was on beside it", () => {
    const uses = workflowText.split("\n").filter((line) => /^\s*-?\s*uses:/.test(line));
    expect(uses.length).toBeGreaterThan(5);
    for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it("grants nothing by default, and the OIDC token only to the jobs that sign or publish", () => {
    expect(workflow.permissions).toEqual({});
    const withToken = Object.entries(workflow.jobs)
      .filter(([, job]) => job.permissions?.["id-token"] === "write")
      .map(([name]) => name);
    expect(withToken.sort()).toEqual(["chart", "image", "npm", "release"]);
    expect(workflow.on.push.tags).toEqual(["v[0-9]+.[0-9]+.[0-9]+*"]);
  });
});
