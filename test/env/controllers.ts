/**
 * The controller processes a test file (or the demo, or a bench) runs, as one set: started one per region in the order
 * given, or one at a time as a story needs them, all sharing the same options (the AWS emulator, the lease timings,
 * the lease name and namespace, one log folder), and stopped together at the end — also when one of them failed to
 * start.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startControllerProcess, type ControllerProcess, type ControllerProcessOptions } from "./controller-process.js";

export type { ControllerProcess };

/** What every process of a set shares. Without a logDir the set makes a temporary folder, named after the lease. */
export type SharedControllerOptions = Omit<ControllerProcessOptions, "region" | "kubeconfig" | "logDir"> & {
  logDir?: string;
};

/** Where a controller runs: its region's cluster, by kubeconfig (a ControlPlaneInfo, a Cluster's `info`). */
export interface ControllerHome {
  kubeconfig: string;
}

export class Controllers {
  private readonly started: ControllerProcess[] = [];
  private logDir: Promise<string> | undefined;

  constructor(private readonly shared: SharedControllerOptions) {}

  /** The processes started and not yet stopped by `stop()`, in the order they became ready. */
  get processes(): readonly ControllerProcess[] {
    return this.started;
  }

  /** One more controller, for `region` in `home`, with its `own` options over the shared ones. */
  async start(region: string, home: ControllerHome, own: Partial<ControllerProcessOptions> = {}) {
    this.logDir ??= this.shared.logDir
      ? Promise.resolve(this.shared.logDir)
      : mkdtemp(join(tmpdir(), `switchyard-${this.shared.leaseName ?? "controllers"}-`));
    const controller = await startControllerProcess({
      ...this.shared,
      logDir: await this.logDir,
      ...own,
      region,
      kubeconfig: home.kubeconfig,
    });
    this.started.push(controller);
    return controller;
  }

  /** Stops every process of the set gracefully (SIGTERM), all at once; the set is empty afterwards. */
  async stop(): Promise<void> {
    await Promise.all(this.started.splice(0).map((c) => c.process.stop()));
  }
}

/**
 * One controller per region of `homes` (region → its cluster), started one after the other in the order given. If one
 * does not become ready, those already started are stopped before the error is thrown.
 */
export async function startControllers(
  homes: Record<string, ControllerHome>,
  shared: SharedControllerOptions,
): Promise<Controllers> {
  const controllers = new Controllers(shared);
  try {
    for (const [region, home] of Object.entries(homes)) await controllers.start(region, home);
  } catch (error) {
    await controllers.stop();
    throw error;
  }
  return controllers;
}
