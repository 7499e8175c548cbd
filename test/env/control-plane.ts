/**
 * One real Kubernetes control plane — etcd and kube-apiserver as local processes, envtest-style — standing for one
 * region's cluster. Each has its own ports, certificates, data and admin kubeconfig.
 */
import { readFileSync } from "node:fs";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { stringify } from "yaml";
import type { Binaries } from "./binaries.js";
import { createPki, type Pki } from "./pki.js";
import { freePort, startProcess, waitUntilReady, type ManagedProcess } from "./processes.js";

export interface ControlPlaneInfo {
  name: string;
  server: string;
  kubeconfig: string;
  etcdUrl: string;
  dir: string;
}

export interface ControlPlane {
  readonly info: ControlPlaneInfo;
  /** Stops the apiserver alone (etcd keeps the data), e.g. to cut a region off. */
  stopApiserver(): Promise<void>;
  /** Starts the apiserver again on the same port and data. */
  startApiserver(): Promise<void>;
  stop(): Promise<void>;
}

const startTimeoutMs = 60_000;

/** A GET on loopback; with a PKI, as the admin client over TLS. */
function get(url: string, pki: Pki | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const tls = pki
      ? { ca: readFileSync(pki.caCert), cert: readFileSync(pki.adminCert), key: readFileSync(pki.adminKey) }
      : {};
    const send = url.startsWith("https:") ? httpsRequest : httpRequest;
    const req = send(url, { ...tls, timeout: 2000 }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

/**
 * The admin kubeconfig, with its certificates inline: tests put it in peer kubeconfig Secrets, and the controller
 * reads no file a tenant's kubeconfig names (docs/peer-credentials.md).
 */
function kubeconfigFor(name: string, server: string, pki: Pki): string {
  const inline = (path: string) => readFileSync(path).toString("base64");
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server, "certificate-authority-data": inline(pki.caCert) } }],
    users: [
      {
        name: `${name}-admin`,
        user: { "client-certificate-data": inline(pki.adminCert), "client-key-data": inline(pki.adminKey) },
      },
    ],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: "default" } }],
    "current-context": name,
  });
}

/** How many times a process that lost one of its ports (see startOnFreshPorts) is started before giving up. */
const portAttempts = 4;

/** What etcd and kube-apiserver (Go's net.Listen) print when a port they were given is taken. */
const addressInUse = /bind: address already in use/;

/** The process's log written from byte `from` on: its own attempt's lines, not those of an earlier one. */
async function logSince(logPath: string, from: number): Promise<string> {
  const log = await readFile(logPath).catch(() => Buffer.alloc(0));
  return log.subarray(from).toString("utf8");
}

/**
 * Starts a process on ports from freePort() (`pickPorts`) and waits until it is ready, starting it again on fresh
 * ports when it exited because one was taken: freePort() lets go of a port before the process binds it, and in between
 * anything else (another control plane starting alongside, a port that freePort() handed out twice) can take it.
 * A failed attempt is stopped before the next one, and on any other failure, so nothing is left running.
 */
async function startOnFreshPorts<Ports extends number[]>(
  pickPorts: () => Promise<Ports>,
  logPath: string,
  launch: (ports: Ports) => ManagedProcess,
  probe: (ports: Ports) => Promise<boolean>,
): Promise<{ proc: ManagedProcess; ports: Ports }> {
  for (let attempt = 1; ; attempt++) {
    const ports = await pickPorts();
    // The log file is appended to across attempts; remember where this attempt's lines start.
    const logStart = (await stat(logPath).catch(() => undefined))?.size ?? 0;
    const proc = launch(ports);
    try {
      await waitUntilReady(proc, () => probe(ports), startTimeoutMs);
      return { proc, ports };
    } catch (error) {
      // Only an exit (not a timeout) can be a lost port; note it before stop() makes every process look exited.
      const exited = proc.exited();
      await proc.stop();
      const lostPort = exited && addressInUse.test(await logSince(logPath, logStart));
      if (!lostPort || attempt >= portAttempts) throw error;
    }
  }
}

export interface ControlPlaneOptions {
  /** more kube-apiserver flags, e.g. an authentication webhook (appended after the defaults) */
  extraApiserverArgs?: string[];
}

export async function startControlPlane(
  name: string,
  baseDir: string,
  binaries: Binaries,
  options: ControlPlaneOptions = {},
): Promise<ControlPlane> {
  const dir = join(baseDir, name);
  await mkdir(join(dir, "etcd"), { recursive: true });
  const pki = await createPki(dir, name);

  const etcdUrlFor = (clientPort: number) => `http://127.0.0.1:${clientPort}`;
  const etcdLog = join(dir, "etcd.log");
  // etcd binds its listeners before it writes anything to its data dir, so an attempt that lost a port leaves the
  // data dir as it found it and the next attempt uses the same one.
  const { proc: etcd, ports: etcdPorts } = await startOnFreshPorts<[client: number, peer: number]>(
    () => Promise.all([freePort(), freePort()]),
    etcdLog,
    ([clientPort, peerPort]) => {
      const etcdUrl = etcdUrlFor(clientPort);
      const peerUrl = `http://127.0.0.1:${peerPort}`;
      return startProcess(
        `etcd (${name})`,
        binaries.etcd,
        [
          "--name=default",
          `--data-dir=${join(dir, "etcd")}`,
          `--listen-client-urls=${etcdUrl}`,
          `--advertise-client-urls=${etcdUrl}`,
          `--listen-peer-urls=${peerUrl}`,
          `--initial-advertise-peer-urls=${peerUrl}`,
          `--initial-cluster=default=${peerUrl}`,
          // Test data is thrown away; fsync would only slow every write down.
          "--unsafe-no-fsync",
          "--log-level=warn",
        ],
        etcdLog,
      );
    },
    async ([clientPort]) => (await get(`${etcdUrlFor(clientPort)}/health`, undefined)).body.includes('"true"'),
  );
  const etcdUrl = etcdUrlFor(etcdPorts[0]);

  const serverFor = (apiPort: number) => `https://127.0.0.1:${apiPort}`;
  const apiserverArgs = (apiPort: number) => [
    `--etcd-servers=${etcdUrl}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${apiPort}`,
    `--cert-dir=${join(dir, "apiserver-certs")}`,
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    `--client-ca-file=${pki.caCert}`,
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    "--service-cluster-ip-range=10.0.0.0/24",
    "--authorization-mode=RBAC",
    // No controller-manager runs here, so nothing would create the service-account tokens this plugin waits for.
    "--disable-admission-plugins=ServiceAccount",
    "--endpoint-reconciler-type=none",
    ...(options.extraApiserverArgs ?? []),
  ];
  const apiserverLog = join(dir, "apiserver.log");
  const launchApiserver = (apiPort: number) =>
    startProcess(`kube-apiserver (${name})`, binaries.kubeApiserver, apiserverArgs(apiPort), apiserverLog);
  const apiserverReady = async (apiPort: number) => (await get(`${serverFor(apiPort)}/readyz`, pki)).status === 200;

  const started = await startOnFreshPorts<[secure: number]>(
    () => Promise.all([freePort()]),
    apiserverLog,
    ([port]) => launchApiserver(port),
    ([port]) => apiserverReady(port),
  ).catch(async (error: unknown) => {
    await etcd.stop();
    throw error;
  });
  let apiserver = started.proc;
  const [apiPort] = started.ports;
  const server = serverFor(apiPort);
  // A restart keeps the port, without retrying on another: tests restart the API server to see clients reconnect to
  // the address they already have (and the kubeconfig names it).
  const startApiserver = async () => {
    apiserver = launchApiserver(apiPort);
    await waitUntilReady(apiserver, () => apiserverReady(apiPort), startTimeoutMs);
  };
  const kubeconfig = join(dir, "kubeconfig");
  await writeFile(kubeconfig, kubeconfigFor(name, server, pki));
  return {
    info: { name, server, kubeconfig, etcdUrl, dir },
    stopApiserver: async () => {
      await apiserver.stop();
    },
    startApiserver,
    stop: async () => {
      await apiserver.stop();
      await etcd.stop();
    },
  };
}
