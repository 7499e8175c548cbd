/** Child processes of the local environment: started with their output in a log file, stopped for sure. */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";

export interface ManagedProcess {
  readonly name: string;
  readonly logPath: string;
  readonly child: ChildProcess;
  /** SIGTERM, then SIGKILL after graceMs. Resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL: a crash, for tests that need one. */
  kill(): Promise<void>;
  exited(): boolean;
}

const running = new Set<ChildProcess>();
// Children must not outlive the process that started them, whatever way it ends.
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export function startProcess(
  name: string,
  command: string,
  args: string[],
  logPath: string,
  env: NodeJS.ProcessEnv = process.env,
): ManagedProcess {
  const log = createWriteStream(logPath, { flags: "a" });
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env });
  // Both streams share the file; it is closed when the process has exited, not when the first stream ends.
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  child.once("close", () => log.end());
  running.add(child);
  let exitCode: number | null = null;
  const exit = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exitCode = code ?? (signal ? 128 : 0);
      running.delete(child);
      resolve();
    });
    child.once("error", (error) => {
      log.write(`failed to start ${command}: ${error.message}\n`);
      exitCode = 127;
      running.delete(child);
      resolve();
    });
  });
  const isGone = () => exitCode !== null;
  const signalAndWait = async (signal: NodeJS.Signals, graceMs: number): Promise<void> => {
    if (isGone()) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exit;
    clearTimeout(timer);
  };
  return {
    name,
    logPath,
    child,
    stop: (graceMs = 5000) => signalAndWait("SIGTERM", graceMs),
    kill: () => signalAndWait("SIGKILL", 0),
    exited: isGone,
  };
}

/** Polls `probe` until it resolves true; fails with the process's log tail when it exits or time runs out. */
export async function waitUntilReady(
  proc: ManagedProcess,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exited()) throw new Error(`${proc.name} exited during start-up:\n${await logTail(proc.logPath)}`);
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${proc.name} was not ready after ${timeoutMs} ms:\n${await logTail(proc.logPath)}`);
}

export async function logTail(path: string, lines = 30): Promise<string> {
  const text = await readFile(path, "utf8").catch(() => "");
  return text.split("\n").slice(-lines).join("\n");
}

/** A port free on loopback right now (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
