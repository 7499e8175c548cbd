/** kubectl against one local control plane, for what a user would do with it: apply, explain, dry-run. */
import { execFile } from "node:child_process";
import type { EnvironmentInfo } from "./environment.js";

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function kubectl(env: Pick<EnvironmentInfo, "kubectl">, kubeconfig: string, args: string[], input?: string) {
  return new Promise<KubectlResult>((resolve) => {
    const child = execFile(
      env.kubectl,
      ["--kubeconfig", kubeconfig, ...args],
      { maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Like kubectl(), but throws with kubectl's own words when it fails. */
export async function kubectlOk(env: Pick<EnvironmentInfo, "kubectl">, kubeconfig: string, args: string[]) {
  const result = await kubectl(env, kubeconfig, args);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

/**
 * Installs (or updates) the Switchyard CRDs and waits until the API server serves them — Established, and their
 * schemas published to OpenAPI, which the API server does a moment after Established (kubectl explain needs it).
 */
export async function installCrds(env: Pick<EnvironmentInfo, "kubectl">, kubeconfig: string, crdDir: string) {
  await kubectlOk(env, kubeconfig, ["apply", "--server-side", "--field-manager=switchyard-installer", "-f", crdDir]);
  await kubectlOk(env, kubeconfig, ["wait", "--for=condition=Established", "--timeout=60s", "-f", crdDir]);
  const deadline = Date.now() + 60_000;
  for (const kind of ["regionpolicies", "failoverplans", "failoverruns", "drillschedules"]) {
    while ((await kubectl(env, kubeconfig, ["explain", `${kind}.switchyard.dev.spec`])).code !== 0) {
      if (Date.now() > deadline) throw new Error(`the API server does not publish the schema of ${kind}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
