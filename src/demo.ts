/**
 * What `npm start` runs: a debugging SMTP server in this process on a free loopback port, a
 * sample message sent to it through `SMTP.sendmail`, and a print-out of the client's
 * transcript, the bytes of the message as they went on the wire (dot-stuffed), and the
 * message exactly as the server received it. Exit code 0 on success, 1 on any failure.
 * @module
 */
import diagnostics from "node:diagnostics_channel";
import { randomUUID } from "node:crypto";
import { SMTP } from "./index.js";
import { startDebugServer, type DebugServer } from "./server/debug-server.js";

const FROM = "alice@example.org";
const TO = ["bob@example.org", "carol@example.org", "nobody@example.net"];
/** The server refuses this recipient, to show the refused-recipients map. */
const REFUSED = "nobody@example.net";

function sampleMessage(): string {
  return [
    `From: Alice <${FROM}>`,
    "To: Bob <bob@example.org>, carol@example.org, nobody@example.net",
    "Subject: Hello from smtplib",
    `Date: ${new Date().toUTCString().replace(/GMT$/, "+0000")}`,
    `Message-ID: <${randomUUID()}@example.org>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Hi Bob and Carol,",
    "",
    "the next line starts with a dot; SMTP sends it as \"..\" (dot-stuffing, RFC 5321 4.5.2)",
    ".and the server takes the extra dot away again.",
    "",
    "-- ",
    "smtplib demo",
    "",
  ].join("\r\n");
}

function section(title: string, body: string): string {
  return `\n=== ${title} ${"=".repeat(Math.max(3, 70 - title.length))}\n${body.endsWith("\n") ? body : `${body}\n`}`;
}

/** The DATA payload as the client wrote it, cut out of everything it wrote. */
function dataOnWire(written: Buffer): string {
  const text = written.toString("utf8");
  const start = text.indexOf("DATA\r\n");
  const end = text.indexOf("\r\n.\r\n", start);
  if (start < 0 || end < 0) return "(not found: the body did not go out with DATA)";
  return text.slice(start + 6, end + 5).replace(/\r\n/g, "\n");
}

async function sendSample(server: DebugServer, log: string[]): Promise<Map<string, { code: number; message: string }>> {
  const smtp = await SMTP.connect(server.host, server.port, {
    debugLevel: 1,
    debugOutput: (line) => log.push(line),
    timeout: 10_000,
    localHostname: "demo.localhost",
  });
  try {
    const refused = await smtp.sendmail(FROM, TO, sampleMessage());
    await smtp.quit();
    return refused;
  } finally {
    smtp.close();
  }
}

async function main(): Promise<number> {
  const server = await startDebugServer({ refuseRecipients: [{ address: REFUSED, message: "No such user here" }] });
  const written: Buffer[] = [];
  const onSend = (msg: unknown): void => {
    const data = (msg as { data?: Uint8Array }).data;
    if (data) written.push(Buffer.from(data));
  };
  diagnostics.subscribe("smtplib.send", onSend);
  const clientLog: string[] = [];
  const out: string[] = [`smtplib demo: debugging SMTP server (smtp-server) listening on ${server.host}:${server.port}`];
  try {
    const refused = await sendSample(server, clientLog);
    out.push(section("Client transcript (debugLevel 1)", clientLog.join("\n")));
    const refusedText = [...refused].map(([addr, r]) => `<${addr}>: ${r.code} ${r.message}`).join("\n");
    out.push(section("sendmail() refused recipients", refusedText || "(none)"));
    out.push(section("Message data as sent on the wire (after DATA, dot-stuffed)", dataOnWire(Buffer.concat(written))));
    const received = server.messages[0];
    if (!received) throw new Error("the server received no message");
    const envelope = [`MAIL FROM: <${received.envelope.mailFrom}>`, ...received.envelope.rcptTo.map((r) => `RCPT TO:   <${r}>`)];
    out.push(section("Envelope as the server received it", envelope.join("\n")));
    out.push(section(`Message as the server received it (${received.data.length} bytes, CRLF shown as line breaks)`, received.data.toString("utf8").replace(/\r\n/g, "\n")));
    process.stdout.write(`${out.join("")}\n`);
    return 0;
  } catch (err) {
    process.stdout.write(`${out.join("")}\n`);
    if (clientLog.length > 0) process.stderr.write(section("Client transcript so far", clientLog.join("\n")));
    const name = err instanceof Error ? err.name : "Error";
    process.stderr.write(`\nsmtplib demo failed: ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    diagnostics.unsubscribe("smtplib.send", onSend);
    await server.close();
  }
}

process.exitCode = await main().catch((err: unknown) => {
  process.stderr.write(`smtplib demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
});
