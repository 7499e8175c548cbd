/** vitest globalSetup for the integration project: one real two-region environment for the whole run. */
import type { TestProject } from "vitest/node";
import { startEnvironment, type EnvironmentInfo } from "./environment.js";

declare module "vitest" {
  export interface ProvidedContext {
    env: EnvironmentInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const env = await startEnvironment({ regionCount: 2, log: (line) => console.log(`[env] ${line}`) });
  project.provide("env", env.info);
  return () => env.stop();
}
