/**
 * Whether a policy document grants actions, by action name alone (resources and conditions are the narrowed policy's
 * business; this answers "could the controller ever be allowed to call it"). IAM action names compare case-blind and
 * may hold `*` and `?` wildcards.
 */
import { unpermissionedActions } from "./actions.js";
import type { PolicyDocument } from "./policy.js";

function matches(pattern: string, action: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`, "i").test(action);
}

/** The actions in `actions` that no Allow statement of `policy` names (and AWS does not allow anyway), sorted. */
export function ungranted(policy: PolicyDocument, actions: Iterable<string>): string[] {
  const granted = [...policy.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => s.Action)];
  granted.push(...unpermissionedActions);
  return [...new Set(actions)].filter((a) => !granted.some((g) => matches(g, a))).sort();
}

/** The actions `policy` names that none of `used` is, sorted: what it grants beyond need. */
export function unused(policy: PolicyDocument, used: Iterable<string>): string[] {
  const calls = [...new Set(used)];
  const granted = new Set(policy.Statement.flatMap((s) => s.Action));
  return [...granted].filter((g) => !calls.some((a) => matches(g, a))).sort();
}
