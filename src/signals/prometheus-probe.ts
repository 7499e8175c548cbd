/**
 * The prometheus signal: one instant query against the Prometheus HTTP API (/api/v1/query), compared with the
 * thresholds. A query that returns no sample fails: silence is not health (write `… or vector(0)` where no traffic
 * means healthy).
 */
import type { RegionPolicySpecSignalPrometheus } from "../crds/generated/regionpolicies.js";
import { httpGet } from "./http-get.js";
import { describeError, type ProbeContext, type ProbeResult } from "./probe.js";

const timeoutMs = 5000;

interface QueryResponse {
  status: "success" | "error";
  error?: string;
  data?: { resultType: "vector" | "scalar" | "matrix" | "string"; result: unknown };
}

/** The single number a query answered with, or why there is none. */
export function queryValue(response: QueryResponse): number | string {
  if (response.status !== "success" || !response.data) return `query failed: ${response.error ?? "unknown error"}`;
  const { resultType, result } = response.data;
  if (resultType === "scalar") return Number((result as [number, string])[1]);
  if (resultType !== "vector") return `query returned a ${resultType}, expected a single sample`;
  const samples = result as { value: [number, string] }[];
  if (samples.length === 0) return "query returned no samples";
  if (samples.length > 1) return `query returned ${samples.length} samples, expected one`;
  return Number(samples[0]?.value[1]);
}

export async function probePrometheus(
  source: RegionPolicySpecSignalPrometheus,
  context: ProbeContext,
): Promise<ProbeResult> {
  const url = new URL("/api/v1/query", source.url);
  url.searchParams.set("query", source.query);
  try {
    const response = await httpGet(url, { timeoutMs, signal: context.signal, readBody: true });
    const value = queryValue(JSON.parse(response.body) as QueryResponse);
    if (typeof value === "string") return { ok: false, detail: value };
    if (Number.isNaN(value)) return { ok: false, detail: "query value is NaN" };
    const { above, below } = source.unhealthyWhen;
    if (above !== undefined && value > above) return { ok: false, detail: `value ${value} is above ${above}` };
    if (below !== undefined && value < below) return { ok: false, detail: `value ${value} is below ${below}` };
    return { ok: true, detail: `value ${value}` };
  } catch (error) {
    return { ok: false, detail: describeError(error) };
  }
}
