/**
 * The AWS API emulator: moto server with Switchyard's plugin (test/env/moto/switchyard_moto.py), reached over HTTP by
 * the real AWS SDK clients, plus a small client for the plugin's test endpoints.
 */
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { freePort, startProcess, waitUntilReady } from "./processes.js";

const here = dirname(fileURLToPath(import.meta.url));
const plugin = join(here, "moto", "switchyard_moto.py");
export const python = process.env.SWITCHYARD_PYTHON ?? "python3";

export interface AwsEmulatorInfo {
  endpoint: string;
  /** what tests and fixtures sign with */
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * What controller processes sign with (test/env/controller-process.ts), so that the emulator's log tells the
 * controller's calls from the fixtures': the suite checks them against the shipped IAM policy (test/env/iam-check.ts).
 */
export const controllerAccessKeyId = "AKIASWITCHYARDCONTROLLER";

export interface AwsEmulator {
  readonly info: AwsEmulatorInfo;
  stop(): Promise<void>;
}

/** Fails with the install command when moto is missing: integration tests never skip silently. */
export async function checkMotoInstalled(): Promise<void> {
  try {
    await promisify(execFile)(python, ["-c", "import moto.server, flask, werkzeug; print(moto.__version__)"]);
  } catch {
    throw new Error(
      `the AWS emulator (moto server) is not installed for ${python}: run ` +
        `'${python} -m pip install -r test/env/moto/requirements.txt' (make test does this for you)`,
    );
  }
}

export async function startAwsEmulator(dir: string): Promise<AwsEmulator> {
  await checkMotoInstalled();
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const proc = startProcess(
    "moto server",
    python,
    [plugin, "-H", "127.0.0.1", "-p", String(port)],
    join(dir, "moto.log"),
  );
  await waitUntilReady(proc, async () => (await fetch(`${endpoint}/_switchyard/calls`)).ok, 30_000);
  return {
    info: { endpoint, accessKeyId: "testing", secretAccessKey: "testing" },
    stop: () => proc.stop(),
  };
}

export interface EmulatedCall {
  service: string;
  action: string;
  time: number;
  accessKeyId: string;
  /** the error code the emulator answered instead of serving the call (throttling, PriorRequestNotComplete, a fault) */
  error?: string;
  /** answered Throttling / Rate exceeded by Route53's token buckets or by an injected Throttling fault */
  throttled?: boolean;
  /** answered by an injected fault */
  injected?: boolean;
}

/** A token bucket: `capacity` tokens at most (the burst), refilled at `refillPerSecond` (the sustained rate). */
export interface TokenBucketLimit {
  capacity?: number;
  refillPerSecond?: number;
}

/**
 * Route53's throttling in the emulator (test/env/moto/switchyard_moto.py); every field is optional, the defaults are
 * AWS's, and configuring it refills every bucket.
 */
export interface Route53ThrottlingConfig {
  /** on by default */
  enabled?: boolean;
  /** all the account's Route53 calls together: 50 / 10 per second by default */
  accountCapacity?: number;
  accountRefillPerSecond?: number;
  /** per-action buckets, e.g. GetHealthCheckStatus 4 / 1 per second; unlisted actions 50 / 10 */
  actions?: Record<string, TokenBucketLimit>;
  /** record changes per second across ChangeResourceRecordSets batches (an UPSERT counts 2) */
  changeCapacity?: number;
  changeRefillPerSecond?: number;
  /** PriorRequestNotComplete for a batch arriving while a prior one for the same zone is processed (on by default) */
  priorRequestNotComplete?: boolean;
  /** how long after it was accepted a batch still counts as processed for PriorRequestNotComplete (default 0) */
  changeProcessingSeconds?: number;
}

/**
 * The plugin's test endpoints: timing and Route53 throttling, settable health, injected faults, and the log of calls
 * served.
 */
export class EmulatorControl {
  constructor(private readonly endpoint: string) {}

  private async send<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.endpoint}/_switchyard/${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const payload = (await response.json()) as T;
    if (!response.ok) throw new Error(`emulator ${method} ${path}: ${response.status} ${JSON.stringify(payload)}`);
    return payload;
  }

  reset(): Promise<unknown> {
    return this.send("POST", "reset", {});
  }

  configure(timing: {
    changePropagationSeconds?: number;
    globalClusterTransitionSeconds?: number;
    replicaPromotionSeconds?: number;
    route53Throttling?: Route53ThrottlingConfig;
  }): Promise<unknown> {
    return this.send("POST", "config", timing);
  }

  /** How many of Route53's eight emulated checkers see the endpoint healthy (8 = all, 0 = none). */
  setHealthCheck(healthCheckId: string, healthyCheckers: number): Promise<unknown> {
    return this.send("POST", `route53/health-checks/${healthCheckId}`, { healthyCheckers });
  }

  /** The next `count` calls answer `code` (Throttling by default), or with code "Latency" come `delaySeconds` late. */
  injectFault(fault: {
    service: "route53" | "rds";
    action?: string;
    code?: string;
    count: number;
    delaySeconds?: number;
  }): Promise<unknown> {
    return this.send("POST", "faults", fault);
  }

  calls(): Promise<EmulatedCall[]> {
    return this.send("GET", "calls");
  }

  /** The IAM actions (`service:Action`) each access key called since the emulator started, resets included. */
  actionsByAccessKey(): Promise<Record<string, string[]>> {
    return this.send("GET", "actions");
  }
}

/** The most calls in any window of `seconds`, of call times in seconds, ascending. */
export function peakCalls(times: readonly number[], seconds: number): number {
  let most = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j]! - times[i]! >= seconds) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}
