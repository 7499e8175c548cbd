/**
 * The whole local environment in one place: one real control plane per region and one AWS emulator. Used by the
 * integration tests (vitest globalSetup), the demo and `test/env/cli.ts up`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAwsEmulator, type AwsEmulator, type AwsEmulatorInfo } from "./aws-emulator.js";
import { ensureBinaries } from "./binaries.js";
import { startControlPlane, type ControlPlane, type ControlPlaneInfo } from "./control-plane.js";

export const defaultRegions = ["us-east-1", "eu-west-1", "ap-southeast-2"] as const;

export interface EnvironmentInfo {
  regions: ControlPlaneInfo[];
  aws: AwsEmulatorInfo;
  kubectl: string;
  dir: string;
}

export interface Environment {
  readonly info: EnvironmentInfo;
  readonly controlPlanes: ControlPlane[];
  readonly aws: AwsEmulator;
  stop(): Promise<void>;
}

export interface EnvironmentOptions {
  regionCount?: number;
  log?: (line: string) => void;
  /** keep the folder with logs and data after stop (SWITCHYARD_KEEP_ENV=1 does the same) */
  keep?: boolean;
}

export async function startEnvironment(options: EnvironmentOptions = {}): Promise<Environment> {
  const { regionCount = 2, log = () => undefined } = options;
  if (!Number.isInteger(regionCount) || regionCount < 1 || regionCount > defaultRegions.length) {
    throw new Error(`regionCount must be 1..${defaultRegions.length}, got ${regionCount}`);
  }
  const binaries = await ensureBinaries(log);
  const dir = await mkdtemp(join(tmpdir(), "switchyard-env-"));
  const started = Date.now();
  const names = defaultRegions.slice(0, regionCount);
  const results = await Promise.allSettled([
    ...names.map((name) => startControlPlane(name, dir, binaries)),
    startAwsEmulator(dir),
  ]);
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  const controlPlanes = results
    .slice(0, names.length)
    .flatMap((r) => (r.status === "fulfilled" ? [r.value as ControlPlane] : []));
  const awsResult = results.at(-1);
  const aws = awsResult?.status === "fulfilled" ? (awsResult.value as AwsEmulator) : undefined;
  if (failures.length > 0 || !aws) {
    await Promise.all([...controlPlanes.map((cp) => cp.stop()), aws?.stop()]);
    throw new Error(
      `the local environment did not start (logs in ${dir}):\n${failures.map((f) => String(f.reason)).join("\n")}`,
    );
  }
  log(`${names.length} control plane(s) and the AWS emulator ready in ${Date.now() - started} ms (${dir})`);
  const info: EnvironmentInfo = {
    regions: controlPlanes.map((cp) => cp.info),
    aws: aws.info,
    kubectl: binaries.kubectl,
    dir,
  };
  return {
    info,
    controlPlanes,
    aws,
    stop: async () => {
      await Promise.all([...controlPlanes.map((cp) => cp.stop()), aws.stop()]);
      if (!options.keep && process.env.SWITCHYARD_KEEP_ENV !== "1") await rm(dir, { recursive: true, force: true });
    },
  };
}
