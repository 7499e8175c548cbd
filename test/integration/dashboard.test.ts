/**
 * The Grafana dashboard: every panel query parses as PromQL (promtool, on the queries with Grafana's variables filled
 * in) and names only metrics the controller exports; the chart ships it as the sidecar's ConfigMap.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { createMetrics } from "../../src/runtime/metrics.js";
import { registerObjectMetrics } from "../../src/runtime/object-metrics.js";
import { ensureBinaries } from "../env/binaries.js";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..", "..");
const dashboardFile = join(root, "charts", "switchyard", "dashboards", "switchyard.json");

interface Dashboard {
  panels: { title: string; targets: { expr: string }[] }[];
  templating: { list: { name: string; query?: string | object }[] };
}

let dir: string;
let dashboard: Dashboard;

/** Every series name the controller's /metrics can carry, histograms' and summaries' suffixes included. */
async function exportedNames(): Promise<Set<string>> {
  const metrics = createMetrics();
  registerObjectMetrics(metrics.registry, {
    policies: () => [],
    plans: () => [],
    runs: () => [],
    isLeader: () => true,
  });
  const names = new Set<string>();
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    for (const suffix of ["_bucket", "_count", "_sum", "_created"]) names.add(`${metric.name}${suffix}`);
  }
  return names;
}

/** A query as Prometheus receives it: Grafana's variables replaced by what they stand for. */
const filled = (expr: string) =>
  expr.replaceAll("$__rate_interval", "5m").replaceAll("$namespace", ".*").replaceAll("$policy", ".*");

const queries = () => [
  ...dashboard.panels.flatMap((p) => p.targets.map((t) => ({ where: p.title, expr: t.expr }))),
  ...dashboard.templating.list
    .filter((v) => typeof v.query === "string" && v.query.startsWith("label_values("))
    .map((v) => ({
      where: `variable ${v.name}`,
      expr: /^label_values\((.*),\s*\w+\)$/.exec(v.query as string)?.[1] ?? "",
    })),
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "switchyard-dashboard-"));
  dashboard = JSON.parse(await readFile(dashboardFile, "utf8")) as Dashboard;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the Grafana dashboard", () => {
  it("has panels, and every panel query parses as PromQL (promtool)", async () => {
    expect(dashboard.panels.length).toBeGreaterThan(10);
    const rules = {
      groups: [
        {
          name: "dashboard",
          rules: queries().map((q, i) => ({ record: `dashboard:query:${i}`, expr: filled(q.expr) })),
        },
      ],
    };
    await writeFile(join(dir, "queries.yaml"), stringify(rules));
    const { stdout } = await run("promtool", ["check", "rules", "queries.yaml"], { cwd: dir });
    expect(stdout).toContain(`SUCCESS: ${rules.groups[0]!.rules.length} rules found`);
  });

  it("names only metrics the controller exports", async () => {
    const exported = await exportedNames();
    // A series name is an identifier outside braces and quotes, not followed by "(" (a function) and not a label of
    // by/on/without (...); every other identifier in these queries is one of those.
    const names = (expr: string) =>
      [
        ...filled(expr)
          .replace(/"[^"]*"/g, "")
          .replace(/\{[^}]*\}/g, "")
          .replace(/\b(by|on|without|ignoring|group_left|group_right)\s*\([^)]*\)/g, "")
          .matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g),
      ]
        .map((m) => m[1]!)
        .filter((n) => !/^(and|or|unless|\d+\w*)$/.test(n));
    const unknown = queries().flatMap(({ where, expr }) =>
      names(expr)
        .filter((name) => !exported.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(unknown).toEqual([]);
    expect(queries().every((q) => names(q.expr).length > 0)).toBe(true);
  });

  it("ships as the ConfigMap Grafana's sidecar loads, with the label it selects on", async () => {
    const { helm } = await ensureBinaries();
    const args = ["template", "switchyard", join(root, "charts", "switchyard"), "--kube-version", "1.34.4"];
    for (const value of ["region=us-east-1", "grafanaDashboard.enabled=true"]) args.push("--set", value);
    const { stdout } = await run(helm, [...args, "--show-only", "templates/grafana-dashboard.yaml"]);
    const configMap = parse(stdout) as { metadata: { labels: Record<string, string> }; data: Record<string, string> };
    expect(configMap.metadata.labels.grafana_dashboard).toBe("1");
    expect(JSON.parse(configMap.data["switchyard.json"]!)).toEqual(dashboard);
  });
});
