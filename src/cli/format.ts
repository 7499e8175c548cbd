/** Small text helpers shared by the commands: aligned columns and kubectl-style ages. Pure. */
import { parseTime } from "../core/time.js";

/** Columns padded to their widest cell, two spaces apart, like kubectl get. */
export function columns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

/** "45s", "12m", "3h", "2d" between an RFC 3339 time and now; "in 5m" for a time ahead; "-" when unknown. */
export function age(time: string | undefined, now: number): string {
  const at = parseTime(time);
  if (at === undefined) return "-";
  const seconds = Math.round(Math.abs(now - at) / 1000);
  const text =
    seconds < 120
      ? `${seconds}s`
      : seconds < 7200
        ? `${Math.floor(seconds / 60)}m`
        : seconds < 172800
          ? `${Math.floor(seconds / 3600)}h`
          : `${Math.floor(seconds / 86400)}d`;
  return at > now ? `in ${text}` : text;
}
