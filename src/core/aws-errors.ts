/**
 * The AWS error codes that mean "too fast, try again", in one place: the Route53 calls retry on them (change-batch.ts)
 * and the AWS metrics count them as throttled (aws-metrics.ts). PriorRequestNotComplete is Route53 still processing a
 * previous change of the same zone: not an error of the request, only of its timing.
 */
export const throttlingCodes: ReadonlySet<string> = new Set([
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "PriorRequestNotComplete",
]);

export function isThrottling(error: unknown): boolean {
  const name = typeof error === "object" && error !== null && "name" in error ? String(error.name) : "";
  return throttlingCodes.has(name);
}
