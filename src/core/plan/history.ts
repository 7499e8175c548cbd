/**
 * Run history: which finished runs of a plan to delete so that at most `limit` remain. Oldest first by the time they
 * finished (creation time for a run that never recorded one); a run still in progress is never a candidate, whatever
 * its age, because it is the only record of what is under way.
 */
import { isFinalPhase } from "../runs.js";

export interface RunSummary {
  name: string;
  phase?: string;
  finishedAt?: string;
  createdAt?: string;
}

export function runsToPrune(runs: readonly RunSummary[], limit: number): string[] {
  const finished = runs.filter((r) => isFinalPhase(r.phase));
  if (finished.length <= limit) return [];
  const when = (r: RunSummary) => Date.parse(r.finishedAt ?? r.createdAt ?? "") || 0;
  return [...finished]
    .sort((a, b) => when(a) - when(b) || a.name.localeCompare(b.name))
    .slice(0, finished.length - Math.max(0, limit))
    .map((r) => r.name);
}
