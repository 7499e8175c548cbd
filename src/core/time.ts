/**
 * Time conversions shared by the core. Time is always an input (epoch milliseconds); these helpers only convert it.
 */

export const MS_PER_SECOND = 1000;

export function secondsToMs(seconds: number): number {
  return seconds * MS_PER_SECOND;
}

/**
 * RFC 3339 at second precision, the form metav1.Time serialises to, so timestamps we write compare equal to the ones the
 * apiserver hands back and a status write is not seen as a change just because of milliseconds.
 */
export function toRfc3339(epochMs: number): string {
  return new Date(Math.floor(epochMs / MS_PER_SECOND) * MS_PER_SECOND).toISOString().replace(".000Z", "Z");
}
