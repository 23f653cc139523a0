/**
 * A socketFactory may give a socket that is still connecting: its `connect` is awaited,
 * so a connection it then fails to make (a refused port) is an SMTPConnectError from
 * connect(), never a socket handed on while connecting nor an unhandled rejection.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { it } from "node:test";
import { SMTP, SMTPConnectError } from "../../src/index.js";

/** A port on 127.0.0.1 where nothing listens (it was just closed). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

it("a still-connecting socket whose connection is refused: SMTPConnectError naming the target, Node's error as cause", async () => {
  const port = await closedPort();
  let given: net.Socket | undefined;
  await assert.rejects(SMTP.connect("mx.example.test", 25, {
    localHostname: "client.test", timeout: 5000,
    socketFactory: () => {
      given = net.connect(port, "127.0.0.1");
      assert.equal(given.connecting, true);
      return given;
    },
  }), (err: unknown) => {
    assert.ok(err instanceof SMTPConnectError, String(err));
    assert.equal(err.smtpCode, -1);
    assert.equal(err.smtpError, `Could not connect to mx.example.test:25: connect ECONNREFUSED 127.0.0.1:${port}`);
    assert.equal((err.cause as NodeJS.ErrnoException).code, "ECONNREFUSED");
    return true;
  });
  assert.equal(given?.destroyed, true);
});
