/**
 * A probe takes one sample of one signal. Probes never throw: every failure to observe is a failing sample with the
 * reason in `detail`, because an unreachable endpoint is exactly what a health signal exists to notice.
 */
import type {
  RegionPolicySpecSignal,
  RegionPolicySpecSignalHttp,
  RegionPolicySpecSignalPrometheus,
  RegionPolicySpecSignalRoute53HealthCheck,
  RegionPolicySpecSignalWorkload,
} from "../crds/generated/regionpolicies.js";

export interface ProbeResult {
  ok: boolean;
  detail: string;
}

export interface ProbeContext {
  /** aborts the probe when its timeout passes or the controller stops */
  signal: AbortSignal;
  /** the namespace of the RegionPolicy, the default for workload signals */
  namespace: string;
  /** the RegionPolicy's name: whose identity reads a workload in this cluster */
  policy?: string;
}

export type Probe<Source> = (source: Source, context: ProbeContext) => Promise<ProbeResult>;

export interface Probes {
  http: Probe<RegionPolicySpecSignalHttp>;
  prometheus: Probe<RegionPolicySpecSignalPrometheus>;
  route53HealthCheck: Probe<RegionPolicySpecSignalRoute53HealthCheck>;
  /** the workload probe also needs to know which region's cluster to read */
  workload: (source: RegionPolicySpecSignalWorkload, region: string, context: ProbeContext) => Promise<ProbeResult>;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    const causeText = cause instanceof Error ? `: ${cause.message}` : "";
    return error.name === "TimeoutError" || error.name === "AbortError" ? "timed out" : `${error.message}${causeText}`;
  }
  return String(error);
}

/** Takes one sample of a signal with whichever probe its source needs. */
export async function sample(
  probes: Probes,
  signal: RegionPolicySpecSignal,
  context: ProbeContext,
): Promise<ProbeResult> {
  try {
    if (signal.http) return await probes.http(signal.http, context);
    if (signal.prometheus) return await probes.prometheus(signal.prometheus, context);
    if (signal.route53HealthCheck) return await probes.route53HealthCheck(signal.route53HealthCheck, context);
    if (signal.workload) return await probes.workload(signal.workload, signal.region, context);
    return { ok: false, detail: "signal has no source" };
  } catch (error) {
    return { ok: false, detail: describeError(error) };
  }
}
