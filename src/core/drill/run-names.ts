/**
 * Names of a drill's FailoverRuns, derived from the schedule and the due time, so that creating one twice (a retried
 * reconcile, two replicas) is harmless: the second create finds it exists.
 */
const maxName = 253;
const failbackSuffix = "-failback";

export function drillRunName(schedule: string, scheduledTime: number): string {
  const seconds = String(Math.floor(scheduledTime / 1000));
  return `${schedule.slice(0, maxName - failbackSuffix.length - seconds.length - 1)}-${seconds}`;
}

export function failbackRunName(drillRun: string): string {
  return `${drillRun}${failbackSuffix}`;
}

export function isFailbackRunName(name: string): boolean {
  return name.endsWith(failbackSuffix);
}

/** The due time a drill run was created for, from its name. */
export function scheduledTimeOf(drillRun: string): number | undefined {
  const match = /-(\d+)$/.exec(drillRun);
  return match ? Number(match[1]) * 1000 : undefined;
}
