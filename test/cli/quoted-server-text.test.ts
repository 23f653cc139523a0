// Library messages that quote the server's words inside their own (a greeting that is no SMTP
// reply, "Invalid greeting from ...: ..."; a line that answered a TLS handshake or a second
// connection, "... which is no SMTP reply"; a reply that put client and server out of step,
// "the server answered MAIL ... with "150 ...""; SCRAM's "the server reported an error: X")
// carried those words in no field the CLI could protect: its rewording of the library's
// advice (option names as flags) ran over them, and the CLI printed "use --ssl" as something
// the server said. The library now marks the server's part of its messages (serverSaid), and
// the CLI's wording leaves each marked part as it came.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import net from "node:net";
import { authenticateWith } from "../../src/client/authenticate.js";
import { createScramSha256Mechanism } from "../../src/auth/scram-sha-256.js";
import { cliAdvice } from "../../src/cli/cli-wording.js";
import { serverSaid, serverTextIn } from "../../src/error-text.js";
import { SMTP, SMTP_SSL } from "../../src/index.js";
import { b64, FakeIO } from "../auth/fake-io.js";
import { EHLO_PIPELINING, PIPELINED_GROUP, withScript } from "../helpers/client.js";
import { startScriptServer } from "../helpers/script-server.js";
import { assertKept, SAID } from "../helpers/server-text-kept.js";

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as net.AddressInfo).port;
}

test("a greeting that is no SMTP reply ('Invalid greeting from ...'): the line quoted as the server sent it", async () => {
  const server = await startScriptServer(`S: ${SAID}\n-- wait 2000\n`);
  try {
    const err = await SMTP.connect("127.0.0.1", server.port).then(() => undefined, (e: unknown) => e);
    assert.match(String((err as Error).message), /Invalid greeting from .*: Malformed reply line/);
    assertKept(err, "greeting");
  } finally {
    await server.close();
  }
});

test("a reply that puts client and server out of step (a 1yz to pipelined MAIL): the reply quoted as the server sent it", async () => {
  await withScript(`${EHLO_PIPELINING}${PIPELINED_GROUP}S: 150 ${SAID}\n`, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["b@y.test"], "hi"));
    // the connection closed on it: what the next command fails with is that close
    const err = await client.noop().then(() => undefined, (e: unknown) => e);
    assert.match(String((err as Error).message), /the server answered MAIL FROM:<a@x\.test> with "150 .*", a reply that command never takes/);
    assertKept(err, "out of step");
  });
});

test("SMTP_SSL whose handshake is answered in plain text, and SMTP to a port silent until spoken to: the answer quoted as it came", async () => {
  const sockets: net.Socket[] = [];
  const answering = net.createServer((s) => {
    sockets.push(s);
    s.on("error", () => undefined);
    s.once("data", () => s.write(`${SAID}\r\n`));
  });
  try {
    const port = await listen(answering);
    const ssl = await SMTP_SSL.connect("127.0.0.1", port).then(() => undefined, (e: unknown) => e);
    assert.match(String((ssl as Error).message), /^TLS handshake with .* which is no SMTP reply/);
    assertKept(ssl, "SMTP_SSL");
    const plain = await SMTP.connect("127.0.0.1", port, { timeouts: { greeting: 20_000 } }).then(() => undefined, (e: unknown) => e);
    assert.match(String((plain as Error).message), /sent no greeting, and answered a second connection with .* which is no SMTP reply/);
    assertKept(plain, "silent port");
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => answering.close(r));
  }
});

test("SCRAM's 'the server reported an error: X': X as the server sent it", async () => {
  const scram = createScramSha256Mechanism({ nonce: () => "rOprNGfwEbeRWgbNEkqO" });
  const serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
  const io = new FakeIO([`334 ${b64(serverFirst)}`, `334 ${b64(`e=${SAID}`)}`, "501 cancelled"]);
  const err = await authenticateWith(io, scram, { user: "user", password: "pencil" }).then(() => undefined, (e: unknown) => e);
  assert.match(String((err as Error).message), /the server reported an error/);
  assertKept(err, "SCRAM");
});

test("cliAdvice keeps every part given as the server's, and rewords the library's words between and around them", () => {
  const line = `use SMTP_SSL: "${SAID}", then tls.ca, then (${SAID}-2) use SMTP_SSL`;
  assert.equal(cliAdvice(line, [SAID, `${SAID}-2`]), `use --ssl: "${SAID}", then --ca-file, then (${SAID}-2) use --ssl`);
  // a mark on an error: its text, and its text with control characters escaped (as messages show them)
  const err = serverSaid(new Error("x"), "a\r\nb");
  assert.deepEqual(serverTextIn(err), ["a\r\nb", "a\\r\\nb"]);
  assert.deepEqual(serverTextIn(new Error("unmarked")), []);
});
