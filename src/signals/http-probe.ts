/** The http signal: GET the region's own endpoint; pass on an expected status (and body text) within the timeout. */
import type { RegionPolicySpecSignalHttp } from "../crds/generated/regionpolicies.js";
import { httpGet } from "./http-get.js";
import { describeError, type ProbeContext, type ProbeResult } from "./probe.js";

export async function probeHttp(source: RegionPolicySpecSignalHttp, context: ProbeContext): Promise<ProbeResult> {
  const expected = source.expectStatus ?? [200];
  try {
    // Redirects are not followed: a region's endpoint that redirects elsewhere answers for somewhere else.
    const response = await httpGet(new URL(source.url), {
      timeoutMs: (source.timeoutSeconds ?? 2) * 1000,
      signal: context.signal,
      headers: { "user-agent": "switchyard-signal" },
      readBody: source.bodyContains !== undefined,
    });
    if (!expected.includes(response.status)) {
      return { ok: false, detail: `HTTP ${response.status}, expected ${expected.join("/")}` };
    }
    if (source.bodyContains !== undefined && !response.body.includes(source.bodyContains)) {
      return { ok: false, detail: `HTTP ${response.status} but the body lacks "${source.bodyContains}"` };
    }
    return { ok: true, detail: `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, detail: describeError(error) };
  }
}
