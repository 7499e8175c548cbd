#!/usr/bin/env node
/**
 * Entry point of `switchyard` and of `kubectl switchyard` (the same file installed as kubectl-switchyard). Maps every
 * way a command can end to the documented exit codes (docs/cli.md): a CliError carries its own, a usage error from
 * commander is 2, anything unexpected is 1.
 */
import { basename } from "node:path";
import { CommanderError } from "commander";
import { processCli } from "./context.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { buildProgram } from "./program.js";
import { errorMessage } from "../core/errors.js";

async function main(argv: string[]): Promise<void> {
  const cli = processCli();
  const invokedAs = basename(argv[1] ?? "").startsWith("kubectl-") ? "kubectl switchyard" : "switchyard";
  try {
    await buildProgram(cli, invokedAs).parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the message (or the help) already.
      process.exitCode = error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
      return;
    }
    if (error instanceof CliError) {
      cli.err(`error: ${error.message}`);
      process.exitCode = error.exitCode;
      return;
    }
    cli.err(`error: ${errorMessage(error)}`);
    process.exitCode = ExitCode.Failed;
  }
}

// Not a top-level await: the same file is bundled as CommonJS for the single executable (scripts/build-cli.ts), which
// has none; main handles every error itself.
void main(process.argv);
