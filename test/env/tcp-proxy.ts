/**
 * A TCP relay in front of the API server (TLS passes through untouched) for tests that need the network between a
 * client and the API server to fail the way real networks do — without an error either end could see:
 * - freezeOpenConnections(): the connections open now go silent but stay open; new ones work (a stalled watch);
 * - partition(): open connections stop moving data and new ones are accepted but never answered, so requests hang
 *   rather than fail (a dead network path); heal() ends that.
 */
import { connect, createServer, type Server, type Socket } from "node:net";

/** Stops a socket moving data while keeping it open: nothing is read from it or relayed to its partner any more. */
function stall(socket: Socket): void {
  socket.unpipe();
  socket.pause();
}

export class TcpProxy {
  /** Pairs still relaying data: what freezeOpenConnections() freezes (connections made later are not frozen). */
  private readonly open = new Set<{ client: Socket; upstream: Socket }>();
  /** Every socket, relaying, frozen or held by a partition, so that heal() and close() can end them all. */
  private readonly sockets = new Set<Socket>();
  private partitioned = false;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(target: URL): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (!address || typeof address === "string") throw new Error("proxy has no port");
    const proxy = new TcpProxy(server, `https://127.0.0.1:${address.port}`);
    server.on("connection", (client) => proxy.relay(client, target));
    return proxy;
  }

  /** Connections open now stop carrying data (and are kept open); new connections work normally. */
  freezeOpenConnections(): void {
    for (const pair of this.open) {
      stall(pair.client);
      stall(pair.upstream);
    }
    this.open.clear();
  }

  /** Open connections stop carrying data, and new ones are accepted but never answered, until heal(). */
  partition(): void {
    this.partitioned = true;
    for (const socket of this.sockets) stall(socket);
  }

  /** Ends the partition. Stalled connections are dropped, so clients see them close and connect anew. */
  heal(): void {
    this.partitioned = false;
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket, target: URL): void {
    this.track(client);
    if (this.partitioned) {
      // Accepted (the client's connect succeeds) but nothing is ever read or answered.
      client.pause();
      return;
    }
    const upstream = connect(Number(target.port), target.hostname);
    this.track(upstream);
    const pair = { client, upstream };
    this.open.add(pair);
    // Either end closing closes the other, as a direct connection would.
    const end = () => {
      this.open.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", end);
    upstream.on("close", end);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    // Resets and refusals are expected here (a test tears connections down); they must not crash the test run.
    socket.on("error", () => undefined);
    socket.on("close", () => this.sockets.delete(socket));
  }
}
