/**
 * The controller image's invariants, read from the Dockerfile: no Docker engine runs in `make test`, so what can be
 * known without building is checked here, each rule also shown to reject a Dockerfile that breaks it.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  from: string;
  platform?: string;
  name?: string;
  instructions: Instruction[];
}

/** Instructions per stage, with line continuations joined and comments (parser directives included) dropped. */
function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, keyword = "", args = ""] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: args.trim() };
    if (instruction.keyword === "FROM") {
      const words = instruction.args.split(/\s+/);
      const platform = words.find((w) => w.startsWith("--platform="))?.slice("--platform=".length);
      const rest = words.filter((w) => !w.startsWith("--"));
      stages.push({ from: rest[0] ?? "", platform, name: rest[2], instructions: [] });
    } else if (stages.length > 0) {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/** Every rule the image must keep; an empty list means the Dockerfile passes. */
function violations(text: string): string[] {
  const stages = parseDockerfile(text);
  const problems: string[] = [];
  const runtime = stages.at(-1);
  if (!runtime) return ["no FROM"];
  for (const stage of stages) {
    if (!/@sha256:[0-9a-f]{64}$/.test(stage.from)) problems.push(`FROM ${stage.from} is not pinned by digest`);
  }
  const all = stages.flatMap((stage) => stage.instructions);
  if (all.some((i) => i.keyword === "HEALTHCHECK"))
    problems.push("HEALTHCHECK (Kubernetes probes are the health check)");
  if (!/^gcr\.io\/distroless\/nodejs\d+-debian\d+:nonroot@/.test(runtime.from)) {
    problems.push(`runtime base ${runtime.from} is not distroless Node.js (nonroot)`);
  }
  const runtimeText = runtime.instructions.map((i) => `${i.keyword} ${i.args}`).join("\n");
  if (/\bnp[mx]\b/.test(runtimeText)) problems.push("the runtime stage brings npm or npx");
  if (runtime.instructions.some((i) => i.keyword === "RUN"))
    problems.push("RUN in the runtime stage (it has no shell)");
  const users = runtime.instructions.filter((i) => i.keyword === "USER");
  const user = users.at(-1)?.args ?? "";
  if (!/^[1-9]\d*(:[1-9]\d*)?$/.test(user)) problems.push(`USER ${user || "(unset)"} is not a numeric non-root user`);
  const entrypoint = runtime.instructions.find((i) => i.keyword === "ENTRYPOINT")?.args ?? "";
  if (!entrypoint.includes('"controller.mjs"')) problems.push(`ENTRYPOINT ${entrypoint} is not the controller bundle`);
  const build = stages.slice(0, -1);
  if (build.some((stage) => stage.platform !== "$BUILDPLATFORM")) {
    problems.push("a build stage is not on $BUILDPLATFORM (it would be emulated for every target platform)");
  }
  if (/amd64|x86_64|x64|arm64|aarch64/.test(all.map((i) => i.args).join("\n"))) {
    problems.push("an architecture-specific step");
  }
  // The script puts the CRD files the controller reads at start beside the bundle.
  if (!all.some((i) => i.keyword === "RUN" && i.args.includes("scripts/build-controller.ts"))) {
    problems.push("the controller bundle is not built by scripts/build-controller.ts");
  }
  if (!runtimeText.includes("COPY --from=build /src/dist/image ./"))
    problems.push("the runtime does not get the bundle");
  const labels = runtime.instructions
    .filter((i) => i.keyword === "LABEL")
    .map((i) => i.args)
    .join(" ");
  for (const key of ["title", "description", "source", "licenses", "version", "revision"]) {
    if (!labels.includes(`org.opencontainers.image.${key}=`)) problems.push(`no org.opencontainers.image.${key} label`);
  }
  return problems;
}

const dockerfile = await readFile(join(root, "Dockerfile"), "utf8");

describe("the controller image (Dockerfile)", () => {
  it("keeps every rule", () => {
    expect(violations(dockerfile)).toEqual([]);
  });

  it("builds on the Node.js major the tests run on, and runs on it", async () => {
    const major = (await readFile(join(root, ".node-version"), "utf8")).trim().split(".")[0];
    const [build, runtime] = [parseDockerfile(dockerfile)[0], parseDockerfile(dockerfile).at(-1)];
    expect(build?.from).toMatch(new RegExp(`^node:${major}-`));
    expect(runtime?.from).toMatch(new RegExp(`^gcr\\.io/distroless/nodejs${major}-`));
  });

  it.each([
    ["a base by tag", (d: string) => d.replace(/(FROM .*node:24-bookworm-slim)@sha256:[0-9a-f]{64}/, "$1")],
    ["a HEALTHCHECK", (d: string) => `${d}HEALTHCHECK CMD ["/nodejs/bin/node", "-e", "0"]\n`],
    ["USER root", (d: string) => d.replace(/^USER .*$/m, "USER root")],
    ["USER 0", (d: string) => d.replace(/^USER .*$/m, "USER 0:0")],
    ["no USER", (d: string) => d.replace(/^USER .*$/m, "")],
    ["npm copied in", (d: string) => `${d}COPY --from=build /usr/local/bin/npm /usr/local/bin/npm\n`],
    ["a node base at run time", (d: string) => d.replace(/gcr\.io\/distroless\/nodejs24-debian12:nonroot/, "node:24")],
    ["an emulated build stage", (d: string) => d.replace("--platform=$BUILDPLATFORM ", "")],
    ["an arch-specific step", (d: string) => d.replace("RUN npm ci", "RUN uname -m | grep x86_64 && npm ci")],
    ["no bundle built", (d: string) => d.replace("RUN npx tsx scripts/build-controller.ts", "RUN true")],
    ["the compiled tree shipped", (d: string) => d.replace("/src/dist/image ./", "/src/dist ./dist")],
    ["no source label", (d: string) => d.replace(/org\.opencontainers\.image\.source=/, "org.example.source=")],
  ])("rejects %s", (_name, mutate) => {
    const mutated = mutate(dockerfile);
    expect(mutated).not.toBe(dockerfile);
    expect(violations(mutated)).not.toEqual([]);
  });

  it("needs no install script of a production dependency, so node_modules built on one platform serves all", async () => {
    // npm records hasInstallScript for any package with a lifecycle script or a binding.gyp (a native addon).
    const lock = JSON.parse(await readFile(join(root, "package-lock.json"), "utf8")) as {
      packages: Record<string, { dev?: boolean; devOptional?: boolean; hasInstallScript?: boolean }>;
    };
    const scripted = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== "" && !entry.dev && !entry.devOptional && entry.hasInstallScript)
      .map(([path]) => path);
    expect(scripted).toEqual([]);
  });

  it("sends the build only the files it copies (.dockerignore allow-list)", async () => {
    const ignore = (await readFile(join(root, ".dockerignore"), "utf8")).split("\n").map((l) => l.trim());
    expect(ignore).toContain("*");
    const copied = parseDockerfile(dockerfile)
      .flatMap((stage) => stage.instructions)
      .filter((i) => i.keyword === "COPY" && !i.args.startsWith("--from"))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(copied.length).toBeGreaterThan(0);
    for (const source of copied)
      expect(ignore).toContain(`!${source.replace(/^\.\//, "")}${source === "src" ? "/" : ""}`);
  });
});
