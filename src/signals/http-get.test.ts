import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpGet, maxBodyBytes } from "./http-get.js";

let server: Server;
let base = "";
const connections: unknown[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/slow-body") {
      res.writeHead(200);
      res.write("partial");
      return; // never ends: only the timeout can
    }
    if (req.url === "/huge") {
      res.writeHead(200);
      res.end(Buffer.alloc(maxBodyBytes * 2, "a"));
      return;
    }
    res.writeHead(req.url === "/down" ? 503 : 200).end(`answer to ${req.url}`);
  });
  server.on("connection", (socket) => connections.push(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const options = { timeoutMs: 2000, signal: new AbortController().signal, readBody: false };

describe("httpGet", () => {
  it("answers with the status, and the body only when asked for", async () => {
    expect(await httpGet(new URL(`${base}/down`), options)).toEqual({ status: 503, body: "" });
    expect(await httpGet(new URL(`${base}/up`), { ...options, readBody: true })).toEqual({
      status: 200,
      body: "answer to /up",
    });
  });

  it("keeps one connection for probes that follow each other", async () => {
    const before = connections.length;
    for (let i = 0; i < 20; i++) await httpGet(new URL(`${base}/up`), options);
    expect(connections.length - before).toBeLessThanOrEqual(1);
  });

  it("times out on an answer that does not end, even after its headers came", async () => {
    await expect(httpGet(new URL(`${base}/slow-body`), { ...options, timeoutMs: 300 })).rejects.toMatchObject({
      name: "TimeoutError",
    });
  });

  it("stops when its signal aborts, and before starting when it already has", async () => {
    const controller = new AbortController();
    const pending = httpGet(new URL(`${base}/slow-body`), { ...options, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    await expect(httpGet(new URL(`${base}/up`), { ...options, signal: controller.signal })).rejects.toMatchObject({
      name: "AbortError",
    });
  });

  it("reads no more than the limit of a huge body", async () => {
    const answer = await httpGet(new URL(`${base}/huge`), { ...options, readBody: true });
    expect(answer.status).toBe(200);
    expect(answer.body.length).toBe(maxBodyBytes);
  });

  it("refuses a scheme it cannot speak", async () => {
    await expect(httpGet(new URL("ftp://127.0.0.1/"), options)).rejects.toThrow(/unsupported URL scheme ftp:/);
  });
});
