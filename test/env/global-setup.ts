/** vitest globalSetup for the integration project: one real two-region environment for the whole run. */
import type { TestProject } from "vitest/node";
import { startEnvironment, type EnvironmentInfo } from "./environment.js";
import { checkControllerCalls } from "./iam-check.js";

declare module "vitest" {
  export interface ProvidedContext {
    env: EnvironmentInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (line: string) => console.log(`[env] ${line}`);
  const env = await startEnvironment({ regionCount: 2, log });
  project.provide("env", env.info);
  return async () => {
    // Asked before the emulator stops; the environment stops even when the check fails the run.
    try {
      // Only a run of every file may say an action is never called.
      const whole = await ranWholeSuite(project).catch(() => false);
      await checkControllerCalls(env.info.aws.endpoint, log, whole);
    } catch (error) {
      // vitest only logs a teardown's error ("error during close") and exits 0: the exit code is set here.
      process.exitCode = 1;
      throw error;
    } finally {
      await env.stop();
    }
  };
}

/** Whether this run executed every test file of the project, unfiltered (then the actions seen are the suite's). */
async function ranWholeSuite(project: TestProject): Promise<boolean> {
  if (project.vitest.config.testNamePattern !== undefined) return false;
  const { testFiles } = await project.globTestFiles();
  const ran = new Set(project.vitest.state.getFiles().map((f) => f.filepath));
  return testFiles.every((file) => ran.has(file));
}
