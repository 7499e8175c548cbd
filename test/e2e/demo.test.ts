/** The README's main command runs end to end and its exit status says whether the failover succeeded. */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");

describe("make demo", () => {
  it("fails us-east-1 over to eu-west-1 and exits 0", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", join(root, "demo", "main.ts")], { cwd: root });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(output).toContain("✔ failover complete: eu-west-1 serves traffic and holds the writer");
    expect(output).toMatch(/Run Succeeded/);
    expect(code).toBe(0);
  }, 240_000);
});
