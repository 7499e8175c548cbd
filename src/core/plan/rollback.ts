/**
 * What a rollback (onFailure: Rollback) still has to do, read from the journal. Compensation runs in exact reverse
 * plan order over the steps that acted: every Succeeded step, and the failed step itself (it may have half-acted: a
 * Route53 change submitted but never seen INSYNC), provided it is restorable, says onRollback Restore and recorded
 * the state it found (`before`). Restores are idempotent by observation, so a crash mid-restore simply restores again.
 *
 * A database promotion is never undone automatically, and it is a barrier: once one has started, the steps before it
 * are kept too. Undoing them would send traffic (and unfreeze writes) back to a region that no longer holds the
 * writer, which is invariant 4's "no writer" by another road.
 */
import { entryFor, rollbackOf, stateOf, type JournalEntry } from "./journal.js";
import { isPromotion, isRestorable, type BoundStep } from "./steps.js";

export interface RollbackView {
  /** Steps still to restore, in the order to restore them. */
  pending: BoundStep[];
  /** A step whose restore failed: the rollback stops there and a person takes over. */
  failed?: BoundStep;
  /** The last promotion that had started at or before the failed step: nothing up to it is undone. */
  barrier?: BoundStep;
  /** The step at which forward execution stopped. */
  failedAt?: BoundStep;
}

const touched = (entry: JournalEntry | undefined): boolean => stateOf(entry) !== "Pending";

export function rollbackView(steps: readonly BoundStep[], journal: readonly JournalEntry[]): RollbackView {
  // Forward execution touches steps strictly in order, so the last touched step is where it stopped.
  let stop = -1;
  steps.forEach((s, i) => {
    if (touched(entryFor(journal, s.name))) stop = i;
  });
  const view: RollbackView = { pending: [] };
  const failedAt = steps[stop];
  if (failedAt !== undefined) view.failedAt = failedAt;

  let barrier = -1;
  for (let i = 0; i <= stop; i++) {
    const s = steps[i];
    if (s !== undefined && isPromotion(s) && (entryFor(journal, s.name)?.attempts ?? 0) > 0) barrier = i;
  }
  const barrierStep = steps[barrier];
  if (barrierStep !== undefined) view.barrier = barrierStep;

  const failed = steps.find((s) => {
    const e = entryFor(journal, s.name);
    return stateOf(e) !== "RolledBack" && rollbackOf(e)?.error !== undefined;
  });
  if (failed !== undefined) view.failed = failed;

  for (let i = stop; i > barrier; i--) {
    const s = steps[i];
    const e = s === undefined ? undefined : entryFor(journal, s.name);
    if (s === undefined || e === undefined) continue;
    const acted = stateOf(e) === "Succeeded" || (i === stop && stateOf(e) === "Failed");
    if (
      acted &&
      isRestorable(s) &&
      s.onRollback === "Restore" &&
      e.before !== undefined &&
      rollbackOf(e) === undefined
    ) {
      view.pending.push(s);
    }
  }
  return view;
}

/** A rollback has begun (something was restored, or a restore failed): the run is past its forward part for good. */
export function rollbackStarted(journal: readonly JournalEntry[]): boolean {
  return journal.some((e) => stateOf(e) === "RolledBack" || rollbackOf(e) !== undefined);
}
