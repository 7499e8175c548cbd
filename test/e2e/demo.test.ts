/**
 * The README's main command runs end to end — automatic failover, no flip-flop when the primary recovers, a manual
 * failback without data loss, the run reports — and its exit status says whether all of it succeeded.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");

describe("make demo", () => {
  it("fails us-east-1 over to eu-west-1, stays put on recovery, fails back by hand and exits 0", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", join(root, "demo", "main.ts")], { cwd: root });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(output).toContain("✔ failover complete: eu-west-1 serves traffic and holds the writer");
    expect(output).toMatch(/Run Succeeded/);
    expect(output).toContain("decision Stay (FailbackAwaitsHuman)");
    expect(output).toContain("✔ Switchyard stays put");
    expect(output).toContain("RPO: 0 s (objective 5 s) — SwitchoverGlobalCluster (no data loss)");
    expect(output).toContain("✔ failback complete: us-east-1 serves traffic and holds the writer again");
    // The run report of both runs, each against the policy's objectives.
    expect(output).toMatch(/checkout-failover-\S+ {2}Automatic {2}us-east-1 → eu-west-1 {2}Succeeded {2}verdict: Pass/);
    expect(output).toMatch(/checkout-failback {2}Manual {2}eu-west-1 → us-east-1 {2}Succeeded {2}verdict: Pass/);
    expect(output).toContain("✔ demo complete");
    expect(code).toBe(0);
  }, 240_000);
});
