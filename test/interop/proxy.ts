// A recording TCP / Unix-socket proxy between the client and a server, for plain-text
// sessions: it shows, independently of the library's own traces, whether commands were
// pipelined (RFC 2920) and whether BDAT (RFC 3030) carried the message.
import { createConnection, createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { rm } from "node:fs/promises";

export interface ProxyEvent {
  from: "client" | "server";
  data: Buffer;
}

export interface Target {
  port?: number;
  path?: string;
}

export class RecordingProxy {
  readonly events: ProxyEvent[] = [];
  #server: Server;
  #sockets = new Set<Socket>();
  /** While held, what the server sends is kept here instead of reaching the client. */
  #held: { client: Socket; data: Buffer }[] | undefined;

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Listens on 127.0.0.1 port 0, or on `listenPath` when the target is a Unix socket. */
  static async start(target: Target, listenPath?: string): Promise<RecordingProxy> {
    const server = createServer();
    const proxy = new RecordingProxy(server);
    server.on("connection", (client) => proxy.#pipe(client, target));
    if (listenPath !== undefined) {
      await rm(listenPath, { force: true });
      await new Promise<void>((resolve, reject) => server.once("error", reject).listen(listenPath, resolve));
    } else {
      await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
    }
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  #pipe(client: Socket, target: Target): void {
    const upstream = target.path !== undefined
      ? createConnection(target.path)
      : createConnection(target.port ?? 0, "127.0.0.1");
    this.#sockets.add(client).add(upstream);
    client.on("data", (data: Buffer) => {
      this.events.push({ from: "client", data });
      upstream.write(data);
    });
    upstream.on("data", (data: Buffer) => {
      if (this.#held !== undefined) {
        this.#held.push({ client, data });
        return;
      }
      this.events.push({ from: "server", data });
      client.write(data);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  }

  /**
   * Delays the server: from now on what it sends (a greeting, replies) is held back from the
   * client until {@link release} (a slow or stalled server, for the client's timeouts).
   */
  hold(): void {
    this.#held ??= [];
  }

  /** Hands the client what the server sent while held, and forwards as usual again. */
  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const { client, data } of held) {
      this.events.push({ from: "server", data });
      if (!client.destroyed) client.write(data);
    }
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** What the client sent, as one buffer. */
  clientBytes(): Buffer {
    return Buffer.concat(this.events.filter((e) => e.from === "client").map((e) => e.data));
  }

  /**
   * Reads the session: the command lines the client sent (DATA contents and BDAT chunks
   * skipped) and, for each, how many commands were waiting for a reply when it was sent.
   * A command sent while another still waited for its reply was pipelined.
   */
  analyse(): { commands: string[]; inFlight: number[]; maxInFlight: number; bdatChunks: number; usedData: boolean } {
    const commands: string[] = [];
    /** For each command, how many (itself included) waited for a reply when it was sent. */
    const inFlight: number[] = [];
    let maxInFlight = 0;
    let sent = 0;
    let replies = 0;
    let serverBuf = "";
    let clientBuf = Buffer.alloc(0);
    let mode: "cmd" | "data" | "bdat" = "cmd";
    let bdatLeft = 0;
    let bdatChunks = 0;
    let usedData = false;
    for (const ev of this.events) {
      if (ev.from === "server") {
        serverBuf += ev.data.toString("latin1");
        let i: number;
        while ((i = serverBuf.indexOf("\n")) >= 0) {
          const line = serverBuf.slice(0, i);
          serverBuf = serverBuf.slice(i + 1);
          if (/^\d{3}(?: |\r?$)/.test(line)) replies += 1;
        }
        continue;
      }
      clientBuf = Buffer.concat([clientBuf, ev.data]);
      for (;;) {
        if (mode === "bdat") {
          const take = Math.min(bdatLeft, clientBuf.length);
          clientBuf = clientBuf.subarray(take);
          bdatLeft -= take;
          if (bdatLeft > 0) break;
          mode = "cmd";
          continue;
        }
        if (mode === "data") {
          const end = clientBuf.indexOf("\r\n.\r\n");
          if (end < 0) {
            clientBuf = clientBuf.subarray(Math.max(0, clientBuf.length - 4));
            break;
          }
          clientBuf = clientBuf.subarray(end + 5);
          mode = "cmd";
          sent += 1; // the final "." waits for a reply like a command
          continue;
        }
        const nl = clientBuf.indexOf("\n");
        if (nl < 0) break;
        const line = clientBuf.subarray(0, nl).toString("latin1").replace(/\r$/, "");
        clientBuf = clientBuf.subarray(nl + 1);
        commands.push(line);
        // The greeting is the first reply and answers no command.
        const waiting = sent - Math.max(0, replies - 1);
        inFlight.push(waiting + 1);
        maxInFlight = Math.max(maxInFlight, waiting + 1);
        sent += 1;
        const bdat = /^BDAT (\d+)/i.exec(line);
        if (bdat !== null) {
          bdatChunks += 1;
          bdatLeft = Number(bdat[1]);
          mode = "bdat";
        } else if (/^DATA$/i.test(line)) {
          // DATA gets its 354, and the final "." of the contents its own reply.
          usedData = true;
          mode = "data";
        } else if (/^STARTTLS$/i.test(line)) {
          break;
        }
      }
    }
    return { commands, inFlight, maxInFlight, bdatChunks, usedData };
  }
}
