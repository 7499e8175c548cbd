/** The http signal: GET the region's own endpoint; pass on an expected status (and body text) within the timeout. */
import type { RegionPolicySpecSignalHttp } from "../crds/generated/regionpolicies.js";
import { describeError, type ProbeContext, type ProbeResult } from "./probe.js";

export async function probeHttp(source: RegionPolicySpecSignalHttp, context: ProbeContext): Promise<ProbeResult> {
  const expected = source.expectStatus ?? [200];
  const timeout = AbortSignal.timeout((source.timeoutSeconds ?? 2) * 1000);
  try {
    const response = await fetch(source.url, {
      signal: AbortSignal.any([timeout, context.signal]),
      redirect: "manual",
      headers: { "user-agent": "switchyard-signal" },
    });
    const body = source.bodyContains === undefined ? "" : await response.text();
    if (source.bodyContains === undefined) await response.body?.cancel();
    if (!expected.includes(response.status)) {
      return { ok: false, detail: `HTTP ${response.status}, expected ${expected.join("/")}` };
    }
    if (source.bodyContains !== undefined && !body.includes(source.bodyContains)) {
      return { ok: false, detail: `HTTP ${response.status} but the body lacks "${source.bodyContains}"` };
    }
    return { ok: true, detail: `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, detail: describeError(error) };
  }
}
