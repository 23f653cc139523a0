// A raw node:net client of the debugging server, so that its tests do not depend on the
// client library, and a server started for one test body.
import { connect as netConnect, type Socket } from "node:net";
import { once } from "node:events";
import { startDebugServer, type DebugServer } from "../../src/server/debug-server.js";

/** A line-oriented raw client: `reply()` resolves to the next whole (multi-line) reply. */
export class RawClient {
  #buffer = "";
  #waiters: (() => void)[] = [];
  #closed = false;
  constructor(readonly socket: Socket) {
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      this.#buffer += chunk;
      for (const w of this.#waiters.splice(0)) w();
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      this.#closed = true;
      for (const w of this.#waiters.splice(0)) w();
    });
  }
  /** `allowHalfOpen`: keep this side open when the server ends its side (a client that lingers). */
  static async open(server: Pick<DebugServer, "host" | "port">, options: { allowHalfOpen?: boolean } = {}): Promise<RawClient> {
    const socket = netConnect({ port: server.port, host: server.host, allowHalfOpen: options.allowHalfOpen ?? false });
    await once(socket, "connect");
    return new RawClient(socket);
  }
  /**
   * Opens a session that is past DATA's 354: greeting, `hello`, MAIL FROM:<a@example.org>,
   * one RCPT per address of `to` (each must be taken), DATA.
   */
  static async inData(server: Pick<DebugServer, "host" | "port">, options: { to?: string[]; hello?: string; allowHalfOpen?: boolean } = {}): Promise<RawClient> {
    const c = await RawClient.open(server, options);
    await c.reply();
    await c.cmd(options.hello ?? "EHLO client.example");
    for (const line of ["MAIL FROM:<a@example.org>", ...(options.to ?? ["b@example.org"]).map((a) => `RCPT TO:<${a}>`)]) {
      const reply = await c.cmd(line);
      if (!reply.startsWith("250")) throw new Error(`${line}: ${reply}`);
    }
    const data = await c.cmd("DATA");
    if (!data.startsWith("354")) throw new Error(`DATA: ${data}`);
    return c;
  }
  async reply(): Promise<string> {
    for (;;) {
      const m = /^(?:\d{3}-[^\r\n]*\r\n)*\d{3}(?: [^\r\n]*)?\r\n/.exec(this.#buffer);
      if (m) {
        this.#buffer = this.#buffer.slice(m[0].length);
        return m[0];
      }
      if (this.#closed) throw new Error(`closed; buffer: ${JSON.stringify(this.#buffer)}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }
  async cmd(line: string): Promise<string> {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }
  close(): void {
    this.socket.destroy();
  }
}

export async function withServer(options: Parameters<typeof startDebugServer>[0], body: (s: DebugServer) => Promise<void>): Promise<void> {
  const server = await startDebugServer(options);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}
