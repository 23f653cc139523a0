/**
 * A minimal ESMTP server for wire-level property tests: it accepts every command and keeps
 * each message's raw bytes as they came, before anything is undone: DATA's data up to the
 * end marker (still dot-stuffed), or BDAT's chunks joined. It parses the wire itself, so
 * what it records is exactly what the client sent (no server library in between).
 */

import net from "node:net";

/** A message as it came over the wire. */
export interface SunkMessage {
  /** `data`: `raw` is DATA's data, still dot-stuffed, up to the CRLF before the final "."; `bdat`: every chunk joined. */
  readonly kind: "data" | "bdat";
  readonly raw: Buffer;
  /** The size of each BDAT chunk, in order (empty for DATA). */
  readonly chunks: readonly number[];
  /** The MAIL command line of its transaction (its SIZE= to check against `raw`). */
  readonly mail: string;
}

/** A running {@link messageSink}. */
export interface MessageSink {
  readonly port: number;
  /** Messages received so far, oldest first (a live array). */
  readonly messages: readonly SunkMessage[];
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

const END = Buffer.from("\r\n.\r\n", "latin1");

/** DATA's data so far: its pieces, and its last bytes (at most 4; at first the DATA line's CRLF). */
interface DataSoFar {
  kind: "data";
  pieces: Buffer[];
  size: number;
  tail: Buffer;
}

/** One connection's parser: command lines, DATA's data, or a BDAT chunk's counted bytes. */
class Session {
  /** Bytes of a command line not yet ended. */
  #line: Buffer = Buffer.alloc(0);
  #mode: { kind: "command" } | DataSoFar | { kind: "bdat"; left: number; last: boolean } = { kind: "command" };
  #chunks: Buffer[] = [];
  #sizes: number[] = [];
  /** Recipients of the transaction at hand (RCPT since the last MAIL): LMTP's replies to the end of data. */
  #recipients = 0;
  /** The MAIL line of the transaction at hand. */
  #mail = "";

  constructor(
    readonly sock: net.Socket, readonly extensions: readonly string[], readonly messages: SunkMessage[], readonly lmtp: boolean,
    readonly hold?: Promise<void>, readonly holdAt: "greeting" | "message" = "greeting",
  ) {}

  /** Reads nothing more until `hold` settles, when it is due at `at`: what the client writes piles up. */
  #holdAt(at: "greeting" | "message"): void {
    if (this.hold === undefined || this.holdAt !== at) return;
    this.sock.pause();
    void this.hold.then(() => this.sock.resume());
  }

  /** The reply to the end of data (DATA's "." or BDAT LAST): LMTP's one per recipient. */
  #endReply(text: string): void {
    this.sock.write(`250 ${text}\r\n`.repeat(this.lmtp ? Math.max(1, this.#recipients) : 1));
  }

  /** Takes bytes as they come: each step consumes some and returns the rest. */
  feed(bytes: Buffer): void {
    let rest = bytes;
    while (rest.length > 0) {
      const mode = this.#mode;
      rest = mode.kind === "command" ? this.#commands(rest) : mode.kind === "data" ? this.#data(mode, rest) : this.#bdat(mode, rest);
    }
  }

  #commands(bytes: Buffer): Buffer {
    const all = this.#line.length ? Buffer.concat([this.#line, bytes]) : bytes;
    const eol = all.indexOf("\r\n");
    if (eol === -1) {
      this.#line = Buffer.from(all);
      return Buffer.alloc(0);
    }
    this.#line = Buffer.alloc(0);
    this.#command(all.subarray(0, eol).toString("latin1"));
    return all.subarray(eol + 2);
  }

  #bdat(mode: { left: number; last: boolean }, bytes: Buffer): Buffer {
    const take = Math.min(mode.left, bytes.length);
    this.#chunks.push(bytes.subarray(0, take));
    mode.left -= take;
    if (mode.left > 0) return Buffer.alloc(0);
    this.#mode = { kind: "command" };
    if (mode.last) {
      this.#message("bdat", Buffer.concat(this.#chunks));
      this.#endReply("chunk ok");
    } else this.sock.write("250 chunk ok\r\n");
    return bytes.subarray(take);
  }

  /** Searches the end marker in the data's last bytes and these (linear in the data's size). */
  #data(mode: DataSoFar, bytes: Buffer): Buffer {
    const window = Buffer.concat([mode.tail, bytes]);
    const at = window.indexOf(END);
    if (at === -1) {
      mode.pieces.push(bytes);
      mode.size += bytes.length;
      mode.tail = Buffer.from(window.subarray(Math.max(0, window.length - 4)));
      return Buffer.alloc(0);
    }
    // The data ends with the CRLF before ".": `at + 2` bytes into the window.
    const length = mode.size - mode.tail.length + at + 2;
    this.#message("data", Buffer.concat([...mode.pieces, bytes]).subarray(0, Math.max(0, length)));
    this.#mode = { kind: "command" };
    this.#endReply("queued");
    return window.subarray(at + END.length);
  }

  #command(line: string): void {
    const [verb = "", ...args] = line.split(" ");
    switch (verb.toUpperCase()) {
      case "EHLO":
      case "LHLO":
        this.sock.write(["sink", ...this.extensions].map((e, i, all) => `250${i === all.length - 1 ? " " : "-"}${e}\r\n`).join(""));
        this.#holdAt("greeting");
        return;
      case "DATA":
        this.#mode = { kind: "data", pieces: [], size: 0, tail: Buffer.from("\r\n") };
        this.sock.write("354 go\r\n");
        this.#holdAt("message");
        return;
      case "BDAT":
      {
        const mode = { kind: "bdat" as const, left: Number(args[0]), last: args[1]?.toUpperCase() === "LAST" };
        this.#mode = mode;
        this.#sizes.push(mode.left);
        if (this.#sizes.length === 1) this.#holdAt("message");
        if (mode.left === 0) this.#bdat(mode, Buffer.alloc(0)); // no bytes to wait for
        return;
      }
      case "RSET":
        // the transaction, and any BDAT chunk it had, is gone (RFC 3030 §2)
        this.#chunks = [];
        this.#sizes = [];
        this.sock.write("250 ok\r\n");
        return;
      case "MAIL":
        this.#recipients = 0;
        this.#mail = line;
        this.#chunks = [];
        this.#sizes = [];
        this.sock.write("250 ok\r\n");
        return;
      case "RCPT":
        this.#recipients++;
        this.sock.write("250 ok\r\n");
        return;
      case "QUIT":
        this.sock.end("221 bye\r\n");
        return;
      default:
        this.sock.write("250 ok\r\n");
    }
  }

  #message(kind: SunkMessage["kind"], raw: Buffer): void {
    this.messages.push({ kind, raw: Buffer.from(raw), chunks: kind === "bdat" ? this.#sizes : [], mail: this.#mail });
    this.#chunks = [];
    this.#sizes = [];
  }
}

/** Options of {@link messageSink}. */
export interface MessageSinkOptions {
  /** Answer the end of data once per recipient. */
  lmtp?: boolean;
  /** After its reply to EHLO (or LHLO), a session reads nothing more until this settles. */
  hold?: Promise<void>;
  /** When `hold` begins: after the reply to EHLO (the default), or once the message begins (after DATA's 354, at the first BDAT). */
  holdAt?: "greeting" | "message";
  /** Listen on this Unix socket path instead of 127.0.0.1 (its buffers are far smaller than loopback TCP's). */
  path?: string;
}

/**
 * Listens on 127.0.0.1 (a free port), advertising `extensions` after EHLO (or LHLO). With
 * `lmtp`, the end of data (DATA's "." or BDAT LAST) is answered once per recipient.
 */
export async function messageSink(extensions: readonly string[], { lmtp = false, hold, holdAt, path }: MessageSinkOptions = {}): Promise<MessageSink> {
  const messages: SunkMessage[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => undefined);
    sock.setNoDelay(true); // one small write per reply: no Nagle wait for the ACK of the last
    const session = new Session(sock, extensions, messages, lmtp, hold, holdAt);
    sock.on("data", (bytes: Buffer) => session.feed(bytes));
    sock.write("220 sink ESMTP\r\n");
  });
  await new Promise<void>((resolve) => (path === undefined ? server.listen(0, "127.0.0.1", resolve) : server.listen(path, resolve)));
  return {
    port: path === undefined ? (server.address() as net.AddressInfo).port : 0,
    messages,
    async close() {
      for (const sock of sockets) sock.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
