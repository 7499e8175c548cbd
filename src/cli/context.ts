/**
 * What every command needs from the outside world, passed in so commands stay testable: the cluster client (built
 * from the global flags), output streams, the clock, a yes/no question, and a sleep for polling.
 */
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { ExitCode, CliError } from "./exit-codes.js";
import { SwitchyardClient, type GlobalOptions } from "./kube.js";

export interface Cli {
  client(command: Command): SwitchyardClient;
  out(text: string): void;
  err(text: string): void;
  now(): number;
  confirm(question: string): Promise<boolean>;
  sleep(ms: number): Promise<void>;
  /** The process's exit code when the command returns without an error. */
  setExit(code: ExitCode): void;
}

/** Reads one line from stdin; anything but y/yes (or end of input) is a no. */
async function askOnStdin(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await Promise.race([
      rl.question(`${question} [y/N] `),
      new Promise<string>((resolve) => rl.once("close", () => resolve(""))),
    ]);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export function processCli(): Cli {
  return {
    client: (command) => SwitchyardClient.fromOptions(command.optsWithGlobals<GlobalOptions>()),
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    now: () => Date.now(),
    confirm: askOnStdin,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    setExit: (code) => {
      process.exitCode = code;
    },
  };
}

/** Polls `check` until it returns a value; past the timeout, exit code 3 (the thing may still happen later). */
export async function waitFor<T>(
  cli: Cli,
  what: string,
  timeoutSeconds: number,
  check: () => Promise<T | undefined>,
  intervalMs = 1000,
): Promise<T> {
  const deadline = cli.now() + timeoutSeconds * 1000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (cli.now() >= deadline)
      throw new CliError(`timed out after ${timeoutSeconds}s waiting for ${what}`, ExitCode.NotDone);
    await cli.sleep(intervalMs);
  }
}
