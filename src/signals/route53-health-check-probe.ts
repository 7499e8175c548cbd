/**
 * The route53HealthCheck signal: Route53's own checkers, an observer outside every region. Route53 calls an endpoint
 * healthy when more than a share of its checkers (18 % by default) see it healthy; we apply the same rule. The call
 * counts against the account's Route53 quota like every other, and a throttled call is retried, not taken for an
 * unhealthy region.
 */
import { GetHealthCheckStatusCommand, type Route53Client } from "@aws-sdk/client-route-53";
import type { RegionPolicySpecSignalRoute53HealthCheck } from "../crds/generated/regionpolicies.js";
import { withQuota, type QuotaOptions } from "../actuators/route53/change-batch.js";
import { describeError, type ProbeContext, type ProbeResult } from "./probe.js";

export function route53HealthCheckProbe(route53: Pick<Route53Client, "send">, quota: QuotaOptions) {
  return async (source: RegionPolicySpecSignalRoute53HealthCheck, context: ProbeContext): Promise<ProbeResult> => {
    try {
      const { HealthCheckObservations = [] } = await withQuota(quota, { action: "GetHealthCheckStatus" }, () =>
        route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: source.healthCheckId }), {
          abortSignal: context.signal,
        }),
      );
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
