/**
 * Several lines of AUTH exchanges written raw in one `send()` (two AUTH commands, an AUTH
 * and its answers, an AUTH pipelined with MAIL): every credential they carry is masked in
 * debug output when a server echoes it, not only the last line's, however the bytes are
 * cut into `send()` calls (whole, byte by byte, split in two at every index). A SCRAM
 * exchange that is not the first AUTH of the write still has its server messages hidden.
 */

import assert from "node:assert/strict";
import type net from "node:net";
import { test } from "node:test";
import { SMTP } from "../../src/index.js";
import { lineServer } from "../helpers/line-server.js";

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
const PLAIN = b64("\0alice\0plain-S3cret-pw");
const USER = b64("alice-the-user");
const PASS = b64("login-S3cret-pw");
const SCRAM_FIRST = b64("n,,n=alice,r=cNonce");
const SERVER_FIRST = b64("r=cNonceSNonce,s=QUJDREVGR0g=,i=4096");

/**
 * A server that echoes what it refuses, as some do: AUTH PLAIN's initial response in its
 * 535, LOGIN's user and password in its 535 after the password; SCRAM's server-first
 * message in its 334; MAIL and NOOP accepted.
 */
async function echoingServer(): Promise<Awaited<ReturnType<typeof lineServer>>> {
  const state = new WeakMap<net.Socket, { step: "none" | "user" | "pass" | "scram"; user?: string }>();
  return lineServer((sock, line) => {
    const s = state.get(sock) ?? { step: "none" };
    state.set(sock, s);
    if (s.step === "user") {
      s.user = line;
      s.step = "pass";
      sock.write("334 UGFzc3dvcmQ6\r\n");
    } else if (s.step === "pass") {
      s.step = "none";
      sock.write(`535 5.7.8 bad credentials ${s.user ?? ""} ${line}\r\n`);
    } else if (s.step === "scram") {
      s.step = "none";
      sock.write(`501 5.7.0 cancelled (${line})\r\n`);
    } else if (/^AUTH PLAIN /i.test(line)) {
      sock.write(`535 5.7.8 bad credentials ${line.slice(11)}\r\n`);
    } else if (/^AUTH LOGIN$/i.test(line)) {
      s.step = "user";
      sock.write("334 VXNlcm5hbWU6\r\n");
    } else if (/^AUTH SCRAM-SHA-256 /i.test(line)) {
      s.step = "scram";
      sock.write(`334 ${SERVER_FIRST}\r\n`);
    } else if (/^(MAIL|NOOP)\b/i.test(line)) {
      sock.write("250 2.0.0 ok\r\n");
    } else {
      sock.write("500 5.5.1 what?\r\n");
    }
  });
}

interface Case {
  /** What the case is. */
  name: string;
  /** The bytes written raw. */
  raw: string;
  /** How many replies they get. */
  replies: number;
  /** What must not appear in the transcript. */
  secrets: string[];
}

const CASES: Case[] = [
  { name: "AUTH PLAIN, then AUTH LOGIN and its answers", raw: `AUTH PLAIN ${PLAIN}\r\nAUTH LOGIN\r\n${USER}\r\n${PASS}\r\n`, replies: 4, secrets: [PLAIN, USER, PASS] },
  { name: "AUTH PLAIN pipelined with MAIL", raw: `AUTH PLAIN ${PLAIN}\r\nMAIL FROM:<a@x.test>\r\n`, replies: 2, secrets: [PLAIN] },
  { name: "NOOP, AUTH LOGIN and its answers, NOOP", raw: `NOOP\r\nAUTH LOGIN\r\n${USER}\r\n${PASS}\r\nNOOP\r\n`, replies: 5, secrets: [USER, PASS] },
  { name: "AUTH PLAIN, then AUTH SCRAM-SHA-256 and a cancel", raw: `AUTH PLAIN ${PLAIN}\r\nAUTH SCRAM-SHA-256 ${SCRAM_FIRST}\r\n*\r\n`, replies: 3, secrets: [PLAIN, SERVER_FIRST] },
];

/** The transcript of writing `chunks` raw, reading `replies` replies, then a NOOP. */
async function transcript(port: number, chunks: readonly string[], replies: number): Promise<string[]> {
  const lines: string[] = [];
  const client = await SMTP.connect("127.0.0.1", port, { localHostname: "client.test", timeout: 5000, debugLevel: 1, debugOutput: (l) => lines.push(l) });
  try {
    for (const c of chunks) await client.send(c);
    const codes: number[] = [];
    for (let i = 0; i < replies; i++) codes.push((await client.getreply()).code);
    assert.ok(codes.some((c) => c !== 334), "the exchange ends");
    assert.equal((await client.noop()).code, 250);
  } finally {
    client.close();
  }
  return lines;
}

for (const { name, raw, replies, secrets } of CASES) {
  test(`send(): ${name} in one write, whole, byte by byte and split at every index: no credential in the transcript`, async () => {
    const server = await echoingServer();
    try {
      const cuttings: Array<[string, string[]]> = [["whole", [raw]], ["byte by byte", [...raw]]];
      for (let i = 1; i < raw.length; i++) cuttings.push([`split at ${i}`, [raw.slice(0, i), raw.slice(i)]]);
      for (const [how, chunks] of cuttings) {
        const lines = await transcript(server.port, chunks, replies);
        const all = lines.join("\n");
        for (const secret of secrets) assert.ok(!all.includes(secret), `${how}: ${secret} shown in\n${all}`);
        // The replies are there (masked), and the exchange's end ends the masking.
        assert.ok(lines.some((l) => l.includes("****") || l.includes("not shown")), `${how}:\n${all}`);
        assert.equal(lines.at(-1), "S: 250 2.0.0 ok", `${how}:\n${all}`);
      }
    } finally {
      await server.close();
    }
  });
}

test("putcmd(AUTH LOGIN), then both answers in one send(), whole, byte by byte and split at every index: neither shows where the 535 echoes them", async () => {
  const server = await echoingServer();
  const raw = `${USER}\r\n${PASS}\r\n`;
  try {
    const cuttings: Array<[string, string[]]> = [["whole", [raw]], ["byte by byte", [...raw]]];
    for (let i = 1; i < raw.length; i++) cuttings.push([`split at ${i}`, [raw.slice(0, i), raw.slice(i)]]);
    for (const [how, chunks] of cuttings) {
      const lines: string[] = [];
      const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: "client.test", timeout: 5000, debugLevel: 1, debugOutput: (l) => lines.push(l) });
      try {
        await client.putcmd("AUTH LOGIN");
        assert.equal((await client.getreply()).code, 334);
        for (const c of chunks) await client.send(c);
        assert.equal((await client.getreply()).code, 334);
        assert.equal((await client.getreply()).code, 535);
      } finally {
        client.close();
      }
      const all = lines.join("\n");
      for (const secret of [USER, PASS]) assert.ok(!all.includes(secret), `${how}: ${secret} shown in\n${all}`);
      assert.ok(lines.includes("S: 535 5.7.8 bad credentials **** ****"), `${how}:\n${all}`);
    }
  } finally {
    await server.close();
  }
});
