/**
 * The shipped IAM policy against what the controller really called: at the end of a test run, every AWS action the
 * controller signed (with its own access key, test/env/aws-emulator.ts `controllerAccessKeyId`) must be granted by
 * deploy/iam/switchyard-controller.json (with the optional deploy/iam/switchyard-peer-roles.json: sts:AssumeRole for
 * peer clusters), or the run fails. The actions seen, and those granted but not called in this
 * run, are written to test-results/aws-controller-actions.json. That the policy grants nothing the controller's code
 * cannot call is test/unit/iam-policy.test.ts's part (it reads the SDK commands in src/).
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ungranted, unused } from "../../src/core/iam/check.js";
import type { PolicyDocument } from "../../src/core/iam/policy.js";
import { controllerAccessKeyId, EmulatorControl } from "./aws-emulator.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const shippedPolicyPath = join(root, "deploy", "iam", "switchyard-controller.json");
/** Attached only where peers are reached through an assumed role; a run may exercise that too. */
export const peerRolesPolicyPath = join(root, "deploy", "iam", "switchyard-peer-roles.json");
export const reportPath = join(root, "test-results", "aws-controller-actions.json");

export interface IamReport {
  /** whether every integration and e2e file ran (then `notCalled` speaks for the whole suite) */
  wholeSuite?: boolean;
  /** `service:Action` the controller called, sorted */
  called: string[];
  /** called but not granted: each one fails the run */
  ungranted: string[];
  /** granted but not called in this run (a partial run calls less; the unit test holds the policy to the code) */
  notCalled: string[];
}

/** The report for these calls against this policy: pure, so the check itself has a unit test. */
export function iamReport(policy: PolicyDocument, called: Iterable<string>): IamReport {
  const actions = [...new Set(called)].sort();
  return { called: actions, ungranted: ungranted(policy, actions), notCalled: unused(policy, actions) };
}

export function describeUngranted(report: IamReport): string {
  return (
    `the controller called AWS actions that ${shippedPolicyPath.slice(root.length + 1)} (with the optional peer roles policy) does not grant: ` +
    `${report.ungranted.join(", ")}. Add them to src/core/iam/actions.ts and run npm run generate.`
  );
}

/** Asks the emulator what the controller called, writes the report, and throws when an action is not granted. */
export async function checkControllerCalls(
  endpoint: string,
  log: (line: string) => void,
  wholeSuite = false,
): Promise<IamReport> {
  const byKey = await new EmulatorControl(endpoint).actionsByAccessKey();
  const read = async (path: string) => JSON.parse(await readFile(path, "utf8")) as PolicyDocument;
  const [controller, peerRoles] = await Promise.all([read(shippedPolicyPath), read(peerRolesPolicyPath)]);
  const policy: PolicyDocument = { ...controller, Statement: [...controller.Statement, ...peerRoles.Statement] };
  const report = { wholeSuite, ...iamReport(policy, byKey[controllerAccessKeyId] ?? []) };
  await mkdir(dirname(reportPath), { recursive: true });
  await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  log(
    `the controller called ${report.called.length} AWS action(s), ${report.ungranted.length} not granted by the ` +
      `shipped policy (${reportPath.slice(root.length + 1)})`,
  );
  if (report.ungranted.length > 0) throw new Error(describeUngranted(report));
  // Over the whole suite the policy must also be no wider than the code: a granted action nobody calls is either dead
  // weight in every installation's role or a path the tests do not exercise.
  if (wholeSuite && report.notCalled.length > 0) {
    throw new Error(
      `the shipped policy grants AWS actions the controller never called over the whole suite: ` +
        `${report.notCalled.join(", ")}. Remove them from src/core/iam/actions.ts, or test the path that calls them.`,
    );
  }
  return report;
}
