/**
 * The route53HealthCheck signal: Route53's own checkers, an observer outside every region. Route53 calls an endpoint
 * healthy when more than a share of its checkers (18 % by default) see it healthy; we apply the same rule. The call
 * counts against the account's Route53 quota like every other, and a throttled call is retried, not taken for an
 * unhealthy region.
 */
import { GetHealthCheckStatusCommand, type HealthCheckObservation, type Route53Client } from "@aws-sdk/client-route-53";
import type { RegionPolicySpecSignalRoute53HealthCheck } from "../crds/generated/regionpolicies.js";
import { withQuota, type QuotaOptions } from "../actuators/route53/change-batch.js";
import { describeError, type ProbeContext, type ProbeResult } from "./probe.js";

export interface HealthCheckShare {
  /** how long one GetHealthCheckStatus answer serves every signal of that health check */
  shareForMs?: number;
  now?: () => number;
}

/**
 * GetHealthCheckStatus has its own small bucket at Route53 (4, refilled at 1 a second, for the whole account), so a
 * health check several policies name — or a peer region's signal and ours — is asked once and the answer shared for
 * a few seconds (Route53's checkers report every 10 or 30 seconds; nothing fresher exists).
 */
export function route53HealthCheckProbe(
  route53: Pick<Route53Client, "send">,
  quota: QuotaOptions,
  share: HealthCheckShare = {},
) {
  const shareForMs = share.shareForMs ?? 5_000;
  const now = share.now ?? Date.now;
  const answers = new Map<string, { at: number; observations: Promise<HealthCheckObservation[]> }>();
  const observe = (healthCheckId: string): Promise<HealthCheckObservation[]> => {
    const at = now();
    const known = answers.get(healthCheckId);
    if (known && at - known.at < shareForMs) return known.observations;
    for (const [id, answer] of answers) if (at - answer.at >= shareForMs) answers.delete(id);
    const observations = withQuota(quota, { action: "GetHealthCheckStatus" }, () =>
      route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: healthCheckId })),
    ).then((r) => r.HealthCheckObservations ?? []);
    // A failed call is not shared: the next probe asks again.
    observations.catch(() => answers.delete(healthCheckId));
    answers.set(healthCheckId, { at, observations });
    return observations;
  };
  return async (source: RegionPolicySpecSignalRoute53HealthCheck, context: ProbeContext): Promise<ProbeResult> => {
    try {
      const HealthCheckObservations = await abortable(observe(source.healthCheckId), context.signal);
      if (HealthCheckObservations.length === 0) return { ok: false, detail: "no checker has reported yet" };
      const healthy = HealthCheckObservations.filter((o) => o.StatusReport?.Status?.startsWith("Success")).length;
      const percent = (100 * healthy) / HealthCheckObservations.length;
      const threshold = source.minHealthyCheckerPercent ?? 18;
      const detail = `${healthy}/${HealthCheckObservations.length} Route53 checkers healthy`;
      return { ok: percent > threshold, detail };
    } catch (error) {
      return { ok: false, detail: describeError(error) };
    }
  };
}

/** A shared answer awaited by one probe: its own timeout ends its wait, not the call others share. */
function abortable<T>(value: Promise<T>, signal: AbortSignal): Promise<T> {
  const aborted = () => (signal.reason instanceof Error ? signal.reason : new Error("the probe was aborted"));
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener("abort", onAbort, { once: true });
    value.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
