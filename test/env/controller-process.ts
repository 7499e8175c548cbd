/**
 * A real controller process (src/runtime/main.ts run by tsx, or the image's bundle) against a local control plane, as
 * a test or the demo starts it: its own health port, its log in a file, SIGTERM for a graceful stop and SIGKILL for a crash.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { controllerAccessKeyId, type AwsEmulatorInfo } from "./aws-emulator.js";
import { freePort, startProcess, waitUntilReady, type ManagedProcess } from "./processes.js";

const root = join(fileURLToPath(import.meta.url), "..", "..", "..");

export interface ControllerProcess {
  readonly process: ManagedProcess;
  readonly healthUrl: string;
  readonly identity: string;
  /** 1 while it holds the lease, read from its own /metrics */
  isLeader(): Promise<boolean>;
}

export interface ControllerProcessOptions {
  region: string;
  kubeconfig: string;
  aws: AwsEmulatorInfo;
  logDir: string;
  identity?: string;
  leaseNamespace?: string;
  /** the Lease the replicas of one test contend for (--lease-name; the controller's default otherwise) */
  leaseName?: string;
  /** the one namespace it watches (--namespace; all namespaces otherwise) */
  namespace?: string;
  /** short lease timings make leader-election tests quick */
  lease?: { durationSeconds: number; renewDeadlineSeconds: number; retryPeriodSeconds: number };
  /**
   * --default-service-account: the chart's default, `switchyard-tenant` (test/fixtures/tenant.ts seeds it in every
   * namespace a story creates); `null` runs the controller without one.
   */
  defaultServiceAccount?: string | null;
  extraArgs?: string[];
  /** a built controller module run by a bare node (scripts/build-controller.ts), instead of the sources by tsx */
  entry?: string;
  /** false: return once it serves /healthz, without waiting for /readyz (for a story about why it is not ready) */
  waitForReady?: boolean;
  /** failpoints (src/runtime/failpoints.ts) at which the process kills itself */
  failpoints?: string[];
}

export async function startControllerProcess(options: ControllerProcessOptions): Promise<ControllerProcess> {
  const port = await freePort();
  const identity = options.identity ?? `${options.region}-${port}`;
  const lease = options.lease ?? { durationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 };
  const args = [
    ...(options.entry ? [options.entry] : ["--import", "tsx", join(root, "src", "runtime", "main.ts")]),
    ...["--region", options.region, "--kubeconfig", options.kubeconfig, "--identity", identity],
    ...["--health-address", `127.0.0.1:${port}`, "--lease-namespace", options.leaseNamespace ?? "default"],
    ...["--lease-duration-seconds", String(lease.durationSeconds)],
    ...["--renew-deadline-seconds", String(lease.renewDeadlineSeconds)],
    ...["--retry-period-seconds", String(lease.retryPeriodSeconds)],
    ...["--aws-endpoint", options.aws.endpoint, "--log-level", "debug"],
    ...(options.leaseName ? ["--lease-name", options.leaseName] : []),
    ...(options.namespace ? ["--namespace", options.namespace] : []),
    ...(options.defaultServiceAccount === null
      ? []
      : ["--default-service-account", options.defaultServiceAccount ?? "switchyard-tenant"]),
    ...(options.extraArgs ?? []),
  ];
  process.env.AWS_ACCESS_KEY_ID = options.aws.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = options.aws.secretAccessKey;
  // The controller signs with a key of its own: the emulator's log then tells its calls from the test's fixtures'.
  const env = { ...process.env, AWS_ACCESS_KEY_ID: controllerAccessKeyId };
  const proc = startProcess(
    `controller ${identity}`,
    process.execPath,
    args,
    join(options.logDir, `controller-${identity}.log`),
    options.failpoints ? { ...env, SWITCHYARD_FAILPOINTS: options.failpoints.join(",") } : env,
  );
  const healthUrl = `http://127.0.0.1:${port}`;
  try {
    const path = options.waitForReady === false ? "/healthz" : "/readyz";
    await waitUntilReady(proc, async () => (await fetch(`${healthUrl}${path}`)).ok, 60_000);
  } catch (error) {
    // One that never became ready is not left behind for the caller to find.
    await proc.kill();
    throw error;
  }
  return {
    process: proc,
    healthUrl,
    identity,
    isLeader: async () => /^switchyard_leader 1$/m.test(await (await fetch(`${healthUrl}/metrics`)).text()),
  };
}
