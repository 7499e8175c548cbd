/**
 * The command line's exit codes (documented in docs/cli.md), and the one error type that carries one. Scripts at
 * 3 a.m. branch on these, so each means one thing.
 */
export const ExitCode = {
  /** Done: the command did what was asked (and a followed run succeeded). */
  Ok: 0,
  /** The operation failed: a followed run ended Failed, RolledBack or Cancelled, or the API server refused a write. */
  Failed: 1,
  /** Usage or input: a bad flag, an unknown policy, region, run or step, from equal to to, no kubeconfig. */
  Usage: 2,
  /** Not done, nothing wrong: the confirmation was declined, or waiting timed out (the run may still finish). */
  NotDone: 3,
  /**
   * Not ready: `check` found a move that cannot be made, or a plan not evaluated for its current generation; `plan`
   * found that the plan cannot make the move asked for (nothing was created).
   */
  NotReady: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error meant for the user: one line, naming the object or field at fault, and the exit code it maps to. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export const usageError = (message: string) => new CliError(message, ExitCode.Usage);
