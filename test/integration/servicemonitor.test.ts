/** The chart's ServiceMonitor as a Prometheus Operator install needs it: its labels, namespace, timeout and relabelings. */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ensureBinaries } from "../env/binaries.js";

const root = join(import.meta.dirname, "..", "..");

async function serviceMonitor(...sets: string[]) {
  const { helm } = await ensureBinaries();
  const { stdout } = await promisify(execFile)(helm, [
    ...["template", "switchyard", join(root, "charts", "switchyard"), "--namespace", "switchyard-system"],
    ...["--kube-version", "1.34.4", "--set", "region=us-east-1", "--set", "metrics.serviceMonitor.enabled=true"],
    ...sets.flatMap((s) => ["--set-json", s]),
    ...["--show-only", "templates/servicemonitor.yaml"],
  ]);
  return parse(stdout) as {
    metadata: { namespace: string; labels: Record<string, string> };
    spec: { namespaceSelector?: unknown; endpoints: Record<string, unknown>[] };
  };
}

describe("the chart's ServiceMonitor", () => {
  it("by default lives beside the controller and scrapes its metrics port", async () => {
    const monitor = await serviceMonitor();
    expect(monitor.metadata.namespace).toBe("switchyard-system");
    expect(monitor.spec.namespaceSelector).toBeUndefined();
    expect(monitor.spec.endpoints).toEqual([{ port: "http-metrics", interval: "30s" }]);
  });

  it("carries the labels the operator selects on, lives where Prometheus looks, and passes timeout and relabelings", async () => {
    const monitor = await serviceMonitor(
      'metrics.serviceMonitor.labels={"release":"kube-prometheus-stack"}',
      'metrics.serviceMonitor.namespace="monitoring"',
      'metrics.serviceMonitor.scrapeTimeout="10s"',
      'metrics.serviceMonitor.relabelings=[{"targetLabel":"cluster","replacement":"us-east-1"}]',
      'metrics.serviceMonitor.metricRelabelings=[{"action":"drop","regex":"nodejs_gc_.*","sourceLabels":["__name__"]}]',
    );
    expect(monitor.metadata.labels.release).toBe("kube-prometheus-stack");
    expect(monitor.metadata.namespace).toBe("monitoring");
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: ["switchyard-system"] });
    expect(monitor.spec.endpoints[0]).toMatchObject({
      scrapeTimeout: "10s",
      relabelings: [{ targetLabel: "cluster", replacement: "us-east-1" }],
      metricRelabelings: [{ action: "drop", regex: "nodejs_gc_.*", sourceLabels: ["__name__"] }],
    });
  });

  it("refuses a value the chart does not know (values.schema.json)", async () => {
    await expect(serviceMonitor('metrics.serviceMonitor.intervl="10s"')).rejects.toThrow(/intervl/);
  });
});
