// Nodemailer's smtp-server, in-process: STARTTLS on one port and implicit TLS on another,
// AUTH PLAIN/LOGIN/CRAM-MD5, SMTPUTF8, PIPELINING, ENHANCEDSTATUSCODES (its own codes in
// front of every reply, the refusals' included), the interop refusals. Keeps what it
// receives byte for byte (after dot-unstuffing) in memory.
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import type { AddressInfo } from "node:net";
import type { Delivered, Mailbox } from "./mailboxes.js";

export interface NodeServers {
  port: number;
  tlsPort: number;
  box: Mailbox;
  close(): Promise<void>;
}

const REFUSED_SENDER = "refused-sender@example.test";
const REFUSED_RCPT = "refused@example.test";

function refusal(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

export async function startNodeServers(
  cert: string,
  key: string,
  user: string,
  password: string,
): Promise<NodeServers> {
  const stored: Delivered[] = [];
  const options = (secure: boolean): SMTPServerOptions => ({
    secure,
    key,
    cert,
    name: "smtp-server.interop.test",
    logger: false,
    size: 100 * 1024 * 1024,
    authMethods: ["PLAIN", "LOGIN", "CRAM-MD5"],
    allowInsecureAuth: false,
    authOptional: true,
    // smtp-server 3 hides DSN unless asked (hideDSN defaults to true): the table in runner.ts
    // and the README say it offers DSN, so it must advertise it and check the parameters.
    hideDSN: false,
    // Enhanced status codes (RFC 2034) on its own replies too (hidden by default in
    // smtp-server 3): the suite checks that the library reads them from a real server.
    hideENHANCEDSTATUSCODES: false,
    onAuth(auth, _session, callback) {
      const ok = auth.username === user &&
        ((auth.method as string) === "CRAM-MD5" ? auth.validatePassword(password) : auth.password === password);
      if (ok) callback(null, { user: auth.username });
      else callback(refusal(535, "authentication failed"));
    },
    onMailFrom(address, _session, callback) {
      if (address.address === REFUSED_SENDER) callback(refusal(550, "sender refused by the interop test policy"));
      else callback();
    },
    onRcptTo(address, _session, callback) {
      if (address.address === REFUSED_RCPT) callback(refusal(550, "recipient refused by the interop test policy"));
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const from = session.envelope.mailFrom;
        stored.push({
          raw: Buffer.concat(chunks),
          rcpts: session.envelope.rcptTo.map((r) => r.address),
          ...(from ? { from: from.address } : {}),
          exact: true,
          where: `smtp-server session ${session.id}`,
        });
        callback(null);
      });
    },
  });
  const plain = new SMTPServer(options(false));
  const implicit = new SMTPServer(options(true));
  const listen = (server: SMTPServer): Promise<number> =>
    new Promise((resolve, reject) => {
      server.on("error", reject);
      server.listen(0, "127.0.0.1", () => resolve((server.server.address() as AddressInfo).port));
    });
  const port = await listen(plain);
  const tlsPort = await listen(implicit);
  return {
    port,
    tlsPort,
    box: {
      async scan(token: string): Promise<Delivered[]> {
        return stored.filter((d) => d.raw.includes(`X-Interop-Token: ${token}`));
      },
    },
    async close(): Promise<void> {
      await Promise.all([plain, implicit].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
