/**
 * The chart's alerts as Prometheus will load them: rendered by the real helm from the chart's PrometheusRule, checked
 * by promtool (Debian's prometheus package) and unit-tested with promtool against test/alerts/switchyard.test.yaml —
 * every alert firing and not firing. Annotations are checked here instead (promtool would compare their every word):
 * each alert says what happened and links a runbook that exists.
 */
import { execFile } from "node:child_process";
import { access, copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { ensureBinaries } from "../env/binaries.js";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..", "..");
const runbookBase = "https://github.com/switchyard-dev/switchyard/blob/main/docs/runbooks/";

interface Rule {
  alert: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}

let dir: string;
let rules: RuleFile;

async function renderRule(...set: string[]): Promise<{ metadata: { labels: Record<string, string> }; spec: RuleFile }> {
  const { helm } = await ensureBinaries();
  const args = ["template", "switchyard", join(root, "charts", "switchyard"), "--kube-version", "1.34.4"];
  for (const value of ["region=us-east-1", "prometheusRule.enabled=true", ...set]) args.push("--set", value);
  const { stdout } = await run(helm, [...args, "--show-only", "templates/prometheusrule.yaml"]);
  return parse(stdout) as { metadata: { labels: Record<string, string> }; spec: RuleFile };
}

const promtool = (...args: string[]) => run("promtool", args, { cwd: dir });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "switchyard-alerts-"));
  rules = (await renderRule()).spec;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the chart's PrometheusRule", () => {
  it("is valid Prometheus rules (promtool check rules)", async () => {
    await writeFile(join(dir, "full.yaml"), stringify(rules));
    const { stdout } = await promtool("check", "rules", "full.yaml");
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it("fires each alert when it should and not otherwise (promtool test rules)", async () => {
    const bare: RuleFile = {
      groups: rules.groups.map((g) => ({ ...g, rules: g.rules.map(({ annotations: _, ...rule }) => rule) })),
    };
    await writeFile(join(dir, "rules.yaml"), stringify(bare));
    await copyFile(join(root, "test", "alerts", "switchyard.test.yaml"), join(dir, "tests.yaml"));
    const result = await promtool("test", "rules", "tests.yaml").catch((error: { stdout?: string }) => error);
    expect(result.stdout).toContain("SUCCESS");
  });

  it("tests every alert it defines", async () => {
    const tests = parse(await readFile(join(root, "test", "alerts", "switchyard.test.yaml"), "utf8")) as {
      tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const fired = new Set(
      tests.tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)),
    );
    const quiet = new Set(
      tests.tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length === 0).map((a) => a.alertname)),
    );
    const alerts = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect([...fired].sort()).toEqual([...alerts].sort());
    expect(alerts.filter((a) => !quiet.has(a))).toEqual([]);
  });

  it("gives every alert a severity, a summary, a description and a runbook that exists", async () => {
    for (const rule of rules.groups.flatMap((g) => g.rules)) {
      expect(rule.labels?.severity, rule.alert).toMatch(/^(critical|warning|info)$/);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.annotations?.description, rule.alert).toBeTruthy();
      const url = rule.annotations?.runbook_url ?? "";
      expect(url.startsWith(runbookBase), `${rule.alert}: ${url}`).toBe(true);
      await access(join(root, "docs", "runbooks", url.slice(runbookBase.length)));
    }
  });

  it("takes the labels the Prometheus Operator selects rules by, and the thresholds, from values", async () => {
    const rendered = await renderRule(
      "prometheusRule.labels.release=kube-prometheus-stack",
      "prometheusRule.stuckRunMinutes=30",
    );
    expect(rendered.metadata.labels.release).toBe("kube-prometheus-stack");
    const stuck = rendered.spec.groups.flatMap((g) => g.rules).find((r) => r.alert === "SwitchyardFailoverRunStuck");
    expect(stuck?.expr).toContain("> 30 * 60");
  });
});
