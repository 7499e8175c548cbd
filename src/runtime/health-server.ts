/**
 * /healthz (the process runs), /readyz (it can do its job: caches synced, able to campaign for the Lease) and /metrics,
 * served by every replica, leader or not.
 */
import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

export interface HealthServer {
  address(): { host: string; port: number };
  close(): Promise<void>;
}

export async function startHealthServer(
  hostPort: string,
  registry: Registry,
  /** undefined when ready; else why not, which /readyz answers with its 503 */
  notReady: () => string | undefined,
): Promise<HealthServer> {
  const separator = hostPort.lastIndexOf(":");
  const host = hostPort.slice(0, separator) || "0.0.0.0";
  const port = Number(hostPort.slice(separator + 1));
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    } else if (path === "/readyz") {
      const why = notReady();
      res.writeHead(why === undefined ? 200 : 503, { "content-type": "text/plain" }).end(`${why ?? "ok"}\n`);
    } else if (path === "/metrics") {
      registry.metrics().then(
        (body) => res.writeHead(200, { "content-type": registry.contentType }).end(body),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  return {
    address: () => {
      const addr = server.address();
      return { host, port: typeof addr === "object" && addr ? addr.port : port };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
