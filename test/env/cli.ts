/**
 * The local two-region environment from the command line.
 *   tsx test/env/cli.ts ensure            build/cache the binaries and check the AWS emulator is installed
 *   tsx test/env/cli.ts up [--regions N]  start it, print what runs where, stop on Ctrl-C
 *   tsx test/env/cli.ts run <program> ... run a cached binary (kubectl, helm, etcd, kubeApiserver, actionlint)
 */
import { spawnSync } from "node:child_process";
import { ensureBinaries } from "./binaries.js";
import { startEnvironment } from "./environment.js";

const log = (line: string) => console.error(`[env] ${line}`);

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === "ensure") {
    const binaries = await ensureBinaries(log);
    log(`binaries ready: ${Object.values(binaries).join(", ")}`);
    return;
  }
  if (command === "up") {
    const regionsFlag = rest.indexOf("--regions");
    const count = regionsFlag >= 0 ? Number(rest[regionsFlag + 1]) : 2;
    const env = await startEnvironment({ regionCount: count, log });
    console.log(JSON.stringify(env.info, null, 2));
    const stop = () => {
      log("stopping");
      void env.stop().then(() => process.exit(0));
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    return;
  }
  if (command === "run") {
    const [program = "", ...args] = rest;
    const binaries = await ensureBinaries(log);
    const path = binaries[program as keyof typeof binaries];
    if (!path) throw new Error(`unknown program ${program}; one of ${Object.keys(binaries).join(", ")}`);
    process.exit(spawnSync(path, args, { stdio: "inherit" }).status ?? 1);
  }
  throw new Error(`usage: cli.ts ensure | up [--regions N] | run <program> [args...]`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
