/**
 * A real Prometheus server (Debian's `prometheus` package) on loopback, scraping whatever targets a test gives it, for
 * the prometheus signal. Fails with the install command when the binary is missing.
 */
import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { freePort, startProcess, waitUntilReady } from "./processes.js";

export interface PrometheusServer {
  url: string;
  stop(): Promise<void>;
}

export async function startPrometheus(dir: string, targets: string[]): Promise<PrometheusServer> {
  const binary = process.env.SWITCHYARD_PROMETHEUS ?? "prometheus";
  await promisify(execFile)(binary, ["--version"]).catch(() => {
    throw new Error(
      `Prometheus is not installed ('${binary}'): apt-get install prometheus (make test does this as root)`,
    );
  });
  await mkdir(join(dir, "prometheus-data"), { recursive: true });
  const config = join(dir, "prometheus.yml");
  await writeFile(
    config,
    stringify({
      global: { scrape_interval: "1s", evaluation_interval: "1s" },
      scrape_configs: [{ job_name: "test", static_configs: [{ targets }] }],
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = startProcess(
    "prometheus",
    binary,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, "prometheus-data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    join(dir, "prometheus.log"),
  );
  await waitUntilReady(proc, async () => (await fetch(`${url}/-/ready`)).ok, 30_000);
  return { url, stop: () => proc.stop() };
}
