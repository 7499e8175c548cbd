/**
 * The controller's configuration: flags, with environment variables as fallbacks (SWITCHYARD_<FLAG>), validated with
 * zod so that a bad value stops the process at start-up with a message naming it, never half-way through a failover.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { fenceReadAgeDefaults } from "../core/plan/fence-read-age.js";
import { route53AccountDefaults } from "./route53-budget.js";

const seconds = z.coerce.number().positive();

export const configSchema = z
  .object({
    region: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a region name such as us-east-1")
      .describe("the region this controller runs in (its cluster's region)"),
    namespace: z.string().min(1).optional().describe("watch one namespace only; all namespaces when omitted"),
    kubeconfig: z.string().min(1).optional().describe("kubeconfig path; in-cluster config when omitted"),
    leaseNamespace: z.string().min(1).default("switchyard-system"),
    leaseName: z.string().min(1).default("switchyard-controller"),
    identity: z.string().min(1).optional().describe("leader-election identity; hostname + pid when omitted"),
    leaseDurationSeconds: seconds.default(15),
    renewDeadlineSeconds: seconds.default(10),
    retryPeriodSeconds: seconds.default(2),
    healthAddress: z.string().default("0.0.0.0:8081").describe("host:port for /healthz, /readyz and /metrics"),
    logLevel: z.enum(["trace", "debug", "info", "warn", "error"]).default("info"),
    shutdownGraceSeconds: seconds.default(20),
    awsEndpoint: z.url().optional().describe("AWS API endpoint override (an emulator in tests)"),
    allowKubeconfigExec: z
      .stringbool()
      .default(false)
      .describe("let peer kubeconfig Secrets run exec/auth-provider plugins and read files (trusted installs only)"),
    allowControllerAwsIdentity: z
      .stringbool()
      .default(false)
      .describe(
        "let an awsAuthConfig without roleARN sign EKS tokens as the controller itself (trusted installs only)",
      ),
    defaultServiceAccount: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, "must be a ServiceAccount name")
      .optional()
      .describe("the ServiceAccount (of the policy's namespace) acted as when neither plan nor policy names one"),
    route53Controllers: z.coerce
      .number()
      .int()
      .min(1)
      .default(2)
      .describe("controllers sharing this AWS account's Route53 limits (one per region): each takes 1/N of them"),
    route53RequestsPerSecond: seconds.default(10).describe("the account's Route53 request rate (all actions)"),
    route53RequestBurst: seconds.default(50).describe("the account's Route53 request burst (bucket capacity)"),
    route53ChangesPerSecond: seconds
      .default(route53AccountDefaults.changes.refillPerSecond)
      .describe("the account's Route53 change throughput: record changes per second"),
    route53ChangeBurst: seconds
      .default(route53AccountDefaults.changes.capacity)
      .describe("the account's Route53 change-throughput burst"),
    route53HealthCheckStatusPerSecond: seconds
      .default(1)
      .describe("the account's GetHealthCheckStatus rate (its own bucket at Route53)"),
    route53HealthCheckStatusBurst: seconds.default(4).describe("the account's GetHealthCheckStatus burst"),
    fencingReadSeconds: seconds
      .default(fenceReadAgeDefaults.unsettledMs / 1000)
      .describe("how old a fencing record a policy acts on while anything is happening (a run, a region in doubt)"),
    fencingSettledReadSeconds: seconds
      .default(fenceReadAgeDefaults.settledMs / 1000)
      .describe("how old a fencing record a policy acts on while nothing is happening (every region Healthy to all)"),
    planEvaluationIntervalSeconds: seconds
      .default(300)
      .describe("how often every FailoverPlan is checked against the world again when nothing changed"),
    actAsController: z
      .stringbool()
      .default(false)
      .describe("single-tenant installs: with no ServiceAccount named anywhere, act as the controller itself"),
  })
  .refine((c) => c.renewDeadlineSeconds < c.leaseDurationSeconds, {
    message: "renewDeadlineSeconds must be shorter than leaseDurationSeconds",
    path: ["renewDeadlineSeconds"],
  })
  .refine((c) => c.fencingReadSeconds <= c.fencingSettledReadSeconds, {
    message: "fencingReadSeconds must not be longer than fencingSettledReadSeconds",
    path: ["fencingReadSeconds"],
  })
  .refine((c) => c.retryPeriodSeconds < c.renewDeadlineSeconds, {
    message: "retryPeriodSeconds must be shorter than renewDeadlineSeconds",
    path: ["retryPeriodSeconds"],
  });

export type Config = z.infer<typeof configSchema>;

const flagNames = Object.keys(configSchema.shape) as (keyof Config)[];

const toEnvName = (flag: string) => `SWITCHYARD_${flag.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
const toFlagName = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export class ConfigError extends Error {}

/** Reads `--lease-duration-seconds 15`-style flags, falling back to SWITCHYARD_LEASE_DURATION_SECONDS and defaults. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): Config {
  const options = Object.fromEntries(flagNames.map((key) => [toFlagName(key), { type: "string" as const }]));
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options, allowPositionals: false, strict: true }).values;
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const raw: Record<string, unknown> = {};
  for (const key of flagNames) {
    const value = values[toFlagName(key)] ?? env[toEnvName(key)];
    if (value !== undefined) raw[key] = value;
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? "");
      return `--${toFlagName(key)} (${toEnvName(key)}): ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  return parsed.data;
}
