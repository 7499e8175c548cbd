/**
 * Time conversions shared by the core. Time is always an input (epoch milliseconds); these helpers only convert it.
 */

export const MS_PER_SECOND = 1000;

export function secondsToMs(seconds: number): number {
  return seconds * MS_PER_SECOND;
}

/**
 * Epoch milliseconds of a Kubernetes time; undefined when absent or unreadable. A Date as well as a string: client-node
 * types metav1.Time as a Date, but a custom object read through the API holds the string the apiserver sent.
 */
export function parseTime(value: Date | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * RFC 3339 with milliseconds, for instants the controller computes with later (penalty decay, a run's measured RTO),
 * where whole seconds would lose the precision that matters.
 */
export function toRfc3339Millis(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/**
 * RFC 3339 at second precision, the form metav1.Time serialises to, so timestamps we write compare equal to the ones the
 * apiserver hands back and a status write is not seen as a change just because of milliseconds.
 */
export function toRfc3339(epochMs: number): string {
  return new Date(Math.floor(epochMs / MS_PER_SECOND) * MS_PER_SECOND).toISOString().replace(".000Z", "Z");
}
