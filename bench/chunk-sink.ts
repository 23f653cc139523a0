/**
 * A small, fast discard SMTP server for the benchmarks: it speaks ESMTP with PIPELINING,
 * CHUNKING (RFC 3030 BDAT) and BINARYMIME, accepts everything and throws the mail away.
 * Postfix's `smtp-sink` cannot announce CHUNKING, so the BDAT case runs against this one
 * (and so does every client compared in that case).
 *
 * Run as its own process so that it never shares an event loop with a client:
 *   node build/bench/chunk-sink.js PORT [--no-pipelining] [--no-chunking]
 * It prints "listening PORT" once ready and, on SIGTERM, "stats <json>" before exiting.
 *
 * Replies to a batch of pipelined commands are collected and written with one write per
 * received chunk, as a pipelining server should.
 * @module
 */
import net from "node:net";

const TERM = Buffer.from("\r\n.\r\n", "latin1");
const MAX_LINE = 64 * 1024;

interface Stats {
  sessions: number;
  messages: number;
  dataMessages: number;
  bdatMessages: number;
  bytes: number;
}

const stats: Stats = { sessions: 0, messages: 0, dataMessages: 0, bdatMessages: 0, bytes: 0 };

function capabilities(pipelining: boolean, chunking: boolean): string {
  const caps = ["bench-sink", "SIZE", "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8"];
  if (pipelining) caps.push("PIPELINING");
  if (chunking) caps.push("CHUNKING", "BINARYMIME");
  return caps.map((c, i) => `250${i === caps.length - 1 ? " " : "-"}${c}\r\n`).join("");
}

class Session {
  readonly #sock: net.Socket;
  readonly #ehlo: string;
  #mode: "cmd" | "data" | "bdat" = "cmd";
  #line: Buffer | null = null; // partial command line
  #tail: Buffer = Buffer.alloc(0); // last bytes of DATA content, for a terminator split across chunks
  #bdatLeft = 0;
  #bdatLast = false;
  #msgBytes = 0;
  #out: string[] = [];
  #closing = false;

  constructor(sock: net.Socket, ehlo: string) {
    this.#sock = sock;
    this.#ehlo = ehlo;
    sock.setNoDelay(true);
    sock.on("data", (chunk: Buffer) => this.#onData(chunk));
    sock.on("error", () => sock.destroy());
    stats.sessions++;
    sock.write("220 bench-sink ESMTP\r\n");
  }

  #onData(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length && !this.#closing) {
      if (this.#mode === "data") pos = this.#consumeData(chunk, pos);
      else if (this.#mode === "bdat") pos = this.#consumeBdat(chunk, pos);
      else pos = this.#consumeCommand(chunk, pos);
    }
    this.#flush();
  }

  #flush(): void {
    if (this.#out.length === 0) return;
    const text = this.#out.join("");
    this.#out = [];
    if (this.#closing) this.#sock.end(text);
    else this.#sock.write(text);
  }

  #consumeCommand(chunk: Buffer, pos: number): number {
    const lf = chunk.indexOf(0x0a, pos);
    if (lf === -1) {
      const rest = chunk.subarray(pos);
      this.#line = this.#line ? Buffer.concat([this.#line, rest]) : Buffer.from(rest);
      if (this.#line.length > MAX_LINE) {
        this.#out.push("500 5.5.0 Line too long\r\n");
        this.#line = null;
      }
      return chunk.length;
    }
    let line = chunk.subarray(pos, lf + 1);
    if (this.#line) {
      line = Buffer.concat([this.#line, line]);
      this.#line = null;
    }
    this.#command(line.toString("latin1").replace(/\r?\n$/, ""));
    return lf + 1;
  }

  #command(line: string): void {
    const space = line.indexOf(" ");
    const verb = (space === -1 ? line : line.slice(0, space)).toUpperCase();
    switch (verb) {
      case "EHLO":
        this.#out.push(this.#ehlo);
        break;
      case "HELO":
        this.#out.push("250 bench-sink\r\n");
        break;
      case "MAIL":
        this.#msgBytes = 0;
        this.#out.push("250 2.1.0 Ok\r\n");
        break;
      case "RCPT":
        this.#out.push("250 2.1.5 Ok\r\n");
        break;
      case "DATA":
        this.#mode = "data";
        this.#tail = Buffer.from("\r\n", "latin1"); // the DATA line's CRLF precedes the content
        this.#out.push("354 End data with <CR><LF>.<CR><LF>\r\n");
        break;
      case "BDAT": {
        const m = /^BDAT\s+(\d+)(\s+LAST)?\s*$/i.exec(line);
        if (!m) {
          this.#out.push("501 5.5.4 Syntax: BDAT size [LAST]\r\n");
          break;
        }
        this.#bdatLeft = Number(m[1]);
        this.#bdatLast = m[2] !== undefined;
        this.#mode = "bdat";
        if (this.#bdatLeft === 0) this.#bdatDone();
        break;
      }
      case "RSET":
      case "NOOP":
        this.#out.push("250 2.0.0 Ok\r\n");
        break;
      case "QUIT":
        this.#out.push("221 2.0.0 Bye\r\n");
        this.#closing = true;
        break;
      default:
        this.#out.push("502 5.5.2 Error: command not recognized\r\n");
    }
  }

  #consumeData(chunk: Buffer, pos: number): number {
    // A terminator split across the previous chunk and this one.
    const head = chunk.subarray(pos, Math.min(chunk.length, pos + 4));
    const joined = Buffer.concat([this.#tail, head]);
    const j = joined.indexOf(TERM);
    let end = -1;
    if (j !== -1) end = pos + (j + TERM.length - this.#tail.length);
    else {
      const k = chunk.indexOf(TERM, pos);
      if (k !== -1) end = k + TERM.length;
    }
    if (end === -1) {
      this.#msgBytes += chunk.length - pos;
      const all = chunk.length - pos >= 4 ? chunk.subarray(chunk.length - 4) : Buffer.concat([this.#tail, chunk.subarray(pos)]);
      this.#tail = Buffer.from(all.subarray(Math.max(0, all.length - 4)));
      return chunk.length;
    }
    this.#msgBytes += end - pos;
    this.#mode = "cmd";
    stats.messages++;
    stats.dataMessages++;
    stats.bytes += this.#msgBytes;
    this.#out.push("250 2.0.0 Ok: queued as BENCH\r\n");
    return end;
  }

  #consumeBdat(chunk: Buffer, pos: number): number {
    const take = Math.min(this.#bdatLeft, chunk.length - pos);
    this.#bdatLeft -= take;
    this.#msgBytes += take;
    if (this.#bdatLeft === 0) this.#bdatDone();
    return pos + take;
  }

  #bdatDone(): void {
    this.#mode = "cmd";
    if (this.#bdatLast) {
      stats.messages++;
      stats.bdatMessages++;
      stats.bytes += this.#msgBytes;
      this.#out.push(`250 2.0.0 Ok: ${this.#msgBytes} octets, queued as BENCH\r\n`);
    } else {
      this.#out.push(`250 2.0.0 Ok: ${this.#msgBytes} octets received\r\n`);
    }
  }
}

function main(): void {
  const args = process.argv.slice(2);
  const port = Number(args.find((a) => /^\d+$/.test(a)) ?? "0");
  const ehlo = capabilities(!args.includes("--no-pipelining"), !args.includes("--no-chunking"));
  const server = net.createServer((sock) => new Session(sock, ehlo));
  server.listen(port, "127.0.0.1", () => {
    const addr = server.address();
    process.stdout.write(`listening ${typeof addr === "object" && addr ? addr.port : port}\n`);
  });
  process.on("SIGTERM", () => {
    process.stdout.write(`stats ${JSON.stringify(stats)}\n`);
    process.exit(0);
  });
}

main();
