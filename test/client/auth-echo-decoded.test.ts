/**
 * login() with each mechanism against a server that echoes, in its refusal, every line of
 * the exchange both as it came (base64) and as it decoded it: the transcript, the error's
 * message, stack, `util.inspect` and JSON show no credential (password, token, CRAM-MD5
 * digest, SCRAM proof, nor an earlier line's base64), only `****`; the user name still shows.
 */

import assert from "node:assert/strict";
import type net from "node:net";
import { test } from "node:test";
import util from "node:util";
import { SMTP, SMTPAuthenticationError } from "../../src/index.js";
import { lineServer, type LineServer } from "../helpers/line-server.js";
import { ScramServerExchange } from "../helpers/scram-server.js";

const USER = "alice@example.org";
const PASSWORD = "Hunter2-Pässwort-XYZ";
const TOKEN = "ya29.TOKEN-abcdefghijklmnop";
const decode = (s: string): string => Buffer.from(s, "base64").toString("utf8");

/** What a server got in one exchange: the base64 lines (initial response, answers). */
interface Heard { lines: string[] }

/** A server offering only `mech` that refuses its exchange with 535, echoing each line sent and its decoding. */
async function echoingServer(mech: string, heard: Heard): Promise<LineServer> {
  const step = new WeakMap<net.Socket, "command" | "answer">();
  const refuse = (sock: net.Socket): void => {
    sock.write(`535-5.7.8 bad ${heard.lines.join(" ")}\r\n535 5.7.8 decoded as ${heard.lines.map(decode).join(" ")}\r\n`);
    step.set(sock, "command");
  };
  return lineServer((sock, line) => {
    if (step.get(sock) === "answer") {
      heard.lines.push(line);
      refuse(sock);
      return;
    }
    const [verb, name, initial] = line.split(" ");
    if (/^EHLO$/i.test(verb ?? "")) sock.write(`250-mx.test\r\n250 AUTH ${mech}\r\n`);
    else if (/^AUTH$/i.test(verb ?? "")) {
      if (initial !== undefined) heard.lines.push(initial);
      const challenge = name === "SCRAM-SHA-256" ? new ScramServerExchange({ password: "not-the-password", offersPlus: false }).first(decode(initial ?? ""))
        : name === "XOAUTH2" ? '{"status":"401"}' : name === "CRAM-MD5" ? "<1.2@mx.test>" : name === "LOGIN" ? "Password:" : undefined;
      if (challenge === undefined) { refuse(sock); return; }
      step.set(sock, "answer");
      sock.write(`334 ${Buffer.from(challenge).toString("base64")}\r\n`);
    } else sock.write("250 ok\r\n");
  });
}

/**
 * Connects to `server` with a transcript, runs `login` on the client, and closes both:
 * what `login` failed with (undefined: it did not fail) and the transcript's lines.
 */
async function failedLogin(server: LineServer, login: (client: SMTP) => Promise<unknown>): Promise<{ error: unknown; lines: string[] }> {
  const lines: string[] = [];
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: "client.test", timeout: 5000, debugLevel: 1, debugOutput: (l) => lines.push(l) });
  let error: unknown;
  try {
    await login(client);
  } catch (err) {
    error = err;
  } finally {
    client.close();
    await server.close();
  }
  return { error, lines };
}

for (const mech of ["PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2", "OAUTHBEARER", "SCRAM-SHA-256"]) {
  test(`login() with ${mech}: a refusal that echoes the exchange, as sent and decoded, shows no credential`, async () => {
    const heard: Heard = { lines: [] };
    const server = await echoingServer(mech, heard);
    const { error, lines } = await failedLogin(server, (client) => (mech.includes("OAUTH") ? client.loginWith({ user: USER, token: TOKEN }) : client.login(USER, PASSWORD)));
    assert.ok(error instanceof SMTPAuthenticationError, String(error));
    // The credentials: the password or token, each base64 line but LOGIN's user name, and
    // what a password's proof is: CRAM-MD5's digest, SCRAM's p=.
    const secrets = [PASSWORD, TOKEN, ...heard.lines.filter((l) => l.length >= 4 && decode(l) !== USER)];
    for (const line of heard.lines.map(decode)) {
      if (mech === "CRAM-MD5") secrets.push(line.split(" ")[1]!);
      const proof = /,p=([^,]+)$/.exec(line);
      if (proof !== null) secrets.push(proof[1]!);
    }
    assert.ok(heard.lines.length > 0 && secrets.length > 2, JSON.stringify(heard));
    const shown: Array<[string, string]> = [
      ["transcript", lines.join("\n")],
      ["message", error.message],
      ["stack", String(error.stack)],
      ["inspect", util.inspect(error, { depth: 10, showHidden: true })],
      ["JSON", JSON.stringify(error)],
    ];
    for (const [where, text] of shown) {
      for (const secret of secrets) assert.ok(!text.includes(secret), `${where} shows ${JSON.stringify(secret)}:\n${text}`);
      assert.ok(text.includes("****"), `${where}:\n${text}`);
    }
    if (mech === "LOGIN") assert.ok(error.message.includes(`decoded as ${USER} ****`), error.message);
  });
}

test("login() refused, then a 421 that comes later echoing the credentials: masked in the transcript and in the next call's error", async () => {
  const plain = Buffer.from(`\0${USER}\0${PASSWORD}`).toString("base64");
  const server = await lineServer((sock, line) => {
    if (/^EHLO/i.test(line)) sock.write("250-mx.test\r\n250 AUTH PLAIN\r\n");
    else if (/^AUTH/i.test(line)) {
      sock.write("535 5.7.8 bad credentials\r\n");
      setTimeout(() => sock.end(`421 4.7.0 closing after ${plain} ${decode(plain)}\r\n`), 20);
    }
  });
  const lines: string[] = [];
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: "client.test", timeout: 5000, debugLevel: 1, debugOutput: (l) => lines.push(l) });
  try {
    await assert.rejects(client.login(USER, PASSWORD), SMTPAuthenticationError);
    while (!lines.some((l) => l.startsWith("S: 421"))) await new Promise((resolve) => setTimeout(resolve, 5));
    const error = await client.noop().then(() => undefined, (err: unknown) => err);
    assert.ok(error instanceof Error, String(error));
    for (const text of [lines.join("\n"), util.inspect(error, { depth: 5 })]) {
      for (const secret of [PASSWORD, plain]) assert.ok(!text.includes(secret), `shows ${secret}:\n${text}`);
    }
    assert.ok(lines.includes("S: 421 4.7.0 closing after **** ****"), lines.join("\n"));
  } finally {
    client.close();
    await server.close();
  }
});

test("login() answered by a malformed line that echoes the decoded password (8-bit): the error quotes it masked (regression: 'Hunter2-P??sswort-XYZ')", async () => {
  const server = await lineServer((sock, line) => {
    if (/^EHLO/i.test(line)) sock.write("250-mx.test\r\n250 AUTH PLAIN\r\n");
    else if (/^AUTH/i.test(line)) sock.write(`bad credentials ${decode(line.split(" ")[2] ?? "").split("\0").join(" ")}\r\n`);
    else sock.write("250 ok\r\n");
  });
  const { error, lines } = await failedLogin(server, (client) => client.login(USER, PASSWORD));
  assert.ok(error instanceof Error, String(error));
  assert.match(error.message, /Malformed reply line/);
  for (const [where, text] of [["transcript", lines.join("\n")], ["message", error.message], ["stack", String(error.stack)], ["inspect", util.inspect(error, { depth: 10, showHidden: true })]]) {
    // the password as the parser quotes a line: each byte past ASCII a "?"
    assert.ok(!text.includes("sswort-XYZ"), `${where} shows the password:\n${text}`);
  }
  assert.ok(error.message.includes(`${USER} ****`), error.message);
});
