/**
 * Round trips by hand (issue #7): wall time per user-level operation, for this library and
 * Nodemailer's SMTPConnection, through a userspace TCP proxy on loopback that delays every
 * chunk by `--delay` ms each way (default 20: a 40 ms round trip). Time divided by the round
 * trip gives the round trips each operation costs (the rest, CPU and the TLS handshake's
 * crypto, is a small fraction at 40 ms). Not part of `npm test` nor `npm run bench`:
 *
 * ```sh
 * npx tsc -p tsconfig.json && node build/bench/round-trips.js [--delay 20] [--runs 3] [--only LMTP]
 * ```
 *
 * The server is the bundled debugging server (PIPELINING, STARTTLS with a throw-away
 * certificate, AUTH PLAIN/LOGIN/CRAM-MD5, CHUNKING or LMTP as a row needs), on 127.0.0.1.
 * Each row is the median of `--runs` runs; each run opens its own connection, and only the
 * operation named is timed (connecting, when it is not the operation, is outside the timing).
 * @module
 */
import net from "node:net";
import { parseArgs } from "node:util";
import nodemailer from "nodemailer";
import SMTPConnection from "nodemailer/lib/smtp-connection";
import { LMTP, SMTP, SMTPPool, type SMTPOptions } from "../src/index.js";
import { startDebugServer, type DebugServer } from "../src/debug-server.js";
import type { DebugServerOptions } from "../src/server/options.js";
import { getTestCerts } from "../test/helpers/certs.js";

const { values } = parseArgs({ options: { delay: { type: "string", default: "20" }, runs: { type: "string", default: "3" }, only: { type: "string" } } });
const DELAY = Number(values.delay);
const RUNS = Number(values.runs);
const MSG = Buffer.from("From: a@x.test\r\nTo: b@y.test\r\nSubject: round trips\r\n\r\nhello\r\n");
const TO50 = Array.from({ length: 50 }, (_, i) => `r${i}@y.test`);
const certs = await getTestCerts();

/** A TCP proxy to `port` that delays each chunk by DELAY ms in each direction (order kept). */
async function delayProxy(port: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const relay = (from: net.Socket, to: net.Socket): void => {
    from.on("data", (chunk) => setTimeout(() => to.destroyed || to.write(chunk), DELAY));
    from.on("end", () => setTimeout(() => to.end(), DELAY));
    from.on("error", () => to.destroy());
    from.on("close", () => setTimeout(() => to.destroy(), DELAY + 1));
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(port, "127.0.0.1");
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    }
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

type Timed = (port: number) => Promise<number>;

/** Milliseconds that `work` takes. */
async function time(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

const ours = (extra: SMTPOptions = {}): SMTPOptions => ({ localHostname: "bench.client", tls: { ca: certs.ca }, ...extra });

/** Connects our client (untimed), times `op`, then closes. */
function withOurs(op: (c: SMTP) => Promise<unknown>, extra: SMTPOptions = {}, lmtp = false, first?: (c: SMTP) => Promise<unknown>): Timed {
  return async (port) => {
    const c = lmtp ? await LMTP.connect("127.0.0.1", port, ours(extra)) : await SMTP.connect("127.0.0.1", port, ours(extra));
    try {
      await c.ehloOrHeloIfNeeded();
      if (first) await first(c);
      return await time(() => op(c));
    } finally {
      c.close();
    }
  };
}

function nmConnection(port: number, opts: Record<string, unknown> = {}): SMTPConnection {
  return new SMTPConnection({ host: "127.0.0.1", port, secure: false, ignoreTLS: true, name: "bench.client", tls: { ca: certs.ca }, ...opts });
}
const nmConnect = (c: SMTPConnection): Promise<void> => new Promise((resolve, reject) => {
  c.once("error", reject);
  c.connect(() => resolve());
});
const nmLogin = (c: SMTPConnection, method: string): Promise<void> => new Promise((resolve, reject) => {
  c.login({ user: "u", pass: "p", method } as SMTPConnection.Credentials, (err) => (err ? reject(err) : resolve()));
});
const nmSend = (c: SMTPConnection, from: string, to: string[]): Promise<unknown> => new Promise((resolve) => {
  c.send({ from, to }, MSG, (err, info) => resolve(err ?? info));
});
const nmQuit = (c: SMTPConnection): Promise<void> => new Promise((resolve) => {
  c.once("end", () => resolve());
  c.quit();
});

/** Connects Nodemailer (untimed), times `op`, then closes. */
function withNm(op: (c: SMTPConnection) => Promise<unknown>, opts: Record<string, unknown> = {}, first?: (c: SMTPConnection) => Promise<unknown>): Timed {
  return async (port) => {
    const c = nmConnection(port, opts);
    await nmConnect(c);
    try {
      if (first) await first(c);
      return await time(() => op(c));
    } finally {
      c.close();
    }
  };
}

interface Row {
  name: string;
  server: DebugServerOptions;
  ours: Timed;
  nodemailer?: Timed;
}

const AUTH = (method: "PLAIN" | "LOGIN" | "CRAM-MD5"): DebugServerOptions => ({ auth: { users: { u: "p" }, methods: [method], allowInsecure: true } });
const TLS: DebugServerOptions = { tls: { key: certs.key, cert: certs.cert } };
const refusing: DebugServerOptions = { refuseSenders: ["bad@x.test"] };

const rows: Row[] = [
  {
    name: "connect + greeting + EHLO", server: {},
    ours: async (port) => {
      let c: SMTP | undefined;
      const ms = await time(async () => (c = await SMTP.connect("127.0.0.1", port, ours())).ehlo());
      c?.close();
      return ms;
    },
    nodemailer: async (port) => {
      const c = nmConnection(port);
      const ms = await time(() => nmConnect(c));
      c.close();
      return ms;
    },
  },
  {
    name: "connect + EHLO + STARTTLS + EHLO", server: TLS,
    ours: (port) => time(async () => {
      const c = await SMTP.connect("127.0.0.1", port, ours());
      await c.starttls();
      await c.ehlo();
      c.close();
    }),
    nodemailer: (port) => time(async () => {
      const c = nmConnection(port, { ignoreTLS: false, requireTLS: true });
      await nmConnect(c);
      c.close();
    }),
  },
  ...(["PLAIN", "LOGIN", "CRAM-MD5"] as const).map((m): Row => ({
    name: `AUTH ${m}`, server: AUTH(m),
    ours: withOurs((c) => c.login("u", "p")),
    nodemailer: withNm((c) => nmLogin(c, m)),
  })),
  {
    name: "1st message, 1 rcpt, DATA", server: {},
    ours: withOurs((c) => c.sendmail("a@x.test", ["b@y.test"], MSG)),
    nodemailer: withNm((c) => nmSend(c, "a@x.test", ["b@y.test"])),
  },
  {
    name: "1st message, 50 rcpts, DATA", server: {},
    ours: withOurs((c) => c.sendmail("a@x.test", TO50, MSG)),
    nodemailer: withNm((c) => nmSend(c, "a@x.test", TO50)),
  },
  {
    name: "2nd message on the connection", server: {},
    ours: withOurs((c) => c.sendmail("a@x.test", ["b@y.test"], MSG), {}, false, (c) => c.sendmail("a@x.test", ["b@y.test"], MSG)),
    nodemailer: withNm((c) => nmSend(c, "a@x.test", ["b@y.test"]), {}, (c) => nmSend(c, "a@x.test", ["b@y.test"])),
  },
  {
    name: "1 message, lock-step (no PIPELINING)", server: { extensions: { pipelining: false } },
    ours: withOurs((c) => c.sendmail("a@x.test", ["b@y.test"], MSG)),
    nodemailer: withNm((c) => nmSend(c, "a@x.test", ["b@y.test"])),
  },
  {
    name: "1 message, 50 rcpts, BDAT", server: { extensions: { chunking: true } },
    ours: withOurs((c) => c.sendmail("a@x.test", TO50, MSG)),
  },
  {
    name: "1 message, streamed, BDAT", server: { extensions: { chunking: true } },
    ours: withOurs((c) => c.sendmail("a@x.test", ["b@y.test"], (async function* () { yield MSG; })())),
  },
  {
    name: "refused sender, then a message", server: refusing,
    ours: withOurs(async (c) => {
      await c.sendmail("bad@x.test", ["b@y.test"], MSG).catch(() => undefined);
      await c.sendmail("a@x.test", ["b@y.test"], MSG);
    }),
    nodemailer: withNm(async (c) => {
      await nmSend(c, "bad@x.test", ["b@y.test"]);
      await nmSend(c, "a@x.test", ["b@y.test"]);
    }),
  },
  {
    name: "quit()", server: {},
    ours: withOurs((c) => c.quit()),
    nodemailer: withNm((c) => nmQuit(c)),
  },
  {
    name: "LMTP, 2 rcpts", server: { lmtp: true },
    ours: withOurs((c) => c.sendmail("a@x.test", ["b@y.test", "c@y.test"], MSG), {}, true),
    nodemailer: withNm((c) => nmSend(c, "a@x.test", ["b@y.test", "c@y.test"]), { lmtp: true }),
  },
  {
    name: "LMTP, 2 rcpts, BDAT", server: { lmtp: true, extensions: { chunking: true } },
    ours: withOurs((c) => c.sendmail("a@x.test", ["b@y.test", "c@y.test"], MSG), {}, true),
  },
  {
    name: "LMTP, 4 messages at once, 2 rcpts", server: { lmtp: true },
    ours: withOurs((c) => Promise.all(Array.from({ length: 4 }, () => c.sendmail("a@x.test", ["b@y.test", "c@y.test"], MSG))), {}, true),
  },
  {
    name: "LMTP, 4 messages at once, 2 rcpts, BDAT", server: { lmtp: true, extensions: { chunking: true } },
    ours: withOurs((c) => Promise.all(Array.from({ length: 4 }, () => c.sendmail("a@x.test", ["b@y.test", "c@y.test"], MSG))), {}, true),
  },
  {
    name: "pool: 1st message (connect included)", server: {},
    ours: async (port) => {
      const pool = new SMTPPool({ host: "127.0.0.1", port, localHostname: "bench.client" });
      const ms = await time(() => pool.sendmail("a@x.test", ["b@y.test"], MSG));
      await pool.close();
      return ms;
    },
  },
  {
    name: "pool: 8 messages at once, 4 connections", server: {},
    ours: async (port) => {
      const pool = new SMTPPool({ host: "127.0.0.1", port, localHostname: "bench.client", maxConnections: 4 });
      const ms = await time(() => Promise.all(Array.from({ length: 8 }, () => pool.sendmail("a@x.test", ["b@y.test"], MSG))));
      await pool.close();
      return ms;
    },
    nodemailer: async (port) => {
      const transport = nodemailer.createTransport({ pool: true, maxConnections: 4, host: "127.0.0.1", port, secure: false, ignoreTLS: true, name: "bench.client" });
      const ms = await time(() => Promise.all(Array.from({ length: 8 }, () => transport.sendMail({ envelope: { from: "a@x.test", to: ["b@y.test"] }, raw: MSG }))));
      transport.close();
      return ms;
    },
  },
  {
    name: "pool: 1st message, STARTTLS + AUTH PLAIN", server: { ...TLS, auth: { users: { u: "p" }, methods: ["PLAIN"] } },
    ours: async (port) => {
      const pool = new SMTPPool({ host: "127.0.0.1", port, localHostname: "bench.client", requireTLS: true, tls: { ca: certs.ca }, auth: { user: "u", password: "p" } });
      const ms = await time(() => pool.sendmail("a@x.test", ["b@y.test"], MSG));
      await pool.close();
      return ms;
    },
    nodemailer: async (port) => {
      const transport = nodemailer.createTransport({ pool: true, host: "127.0.0.1", port, secure: false, requireTLS: true, tls: { ca: certs.ca }, auth: { user: "u", pass: "p" }, name: "bench.client" });
      const ms = await time(() => transport.sendMail({ envelope: { from: "a@x.test", to: ["b@y.test"] }, raw: MSG }));
      transport.close();
      return ms;
    },
  },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const rtt = 2 * DELAY;
console.log(`Round trip through the proxy: ${rtt} ms (${DELAY} ms each way); median of ${RUNS} runs\n`);
console.log("| operation | smtplib ms | round trips | Nodemailer ms | round trips |");
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const row of rows) {
  // --only: the rows whose name holds that text (one scenario, not the whole bench).
  if (values.only !== undefined && !row.name.includes(values.only)) continue;
  const server: DebugServer = await startDebugServer(row.server);
  const proxy = await delayProxy(server.port);
  const cell = async (timed: Timed | undefined): Promise<string[]> => {
    if (!timed) return ["n/a", ""];
    const ms: number[] = [];
    for (let i = 0; i < RUNS; i++) ms.push(await timed(proxy.port));
    const m = median(ms);
    return [m.toFixed(0), (m / rtt).toFixed(1)];
  };
  const a = await cell(row.ours);
  const b = await cell(row.nodemailer);
  console.log(`| ${row.name} | ${a.join(" | ")} | ${b.join(" | ")} |`);
  await proxy.close();
  await server.close();
}
process.exit(0);
