/** The one output format of every bench: `BENCH <metric> <value> <unit>`, one line per figure. */
export function report(metric: string, value: number, unit: string): void {
  console.log(`BENCH ${metric} ${Number(value.toFixed(3))} ${unit}`);
}

export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}
