/**
 * A socketFactory may give a socket that is still connecting: its `connect` is awaited,
 * so a connection it then fails to make (a refused port) is an SMTPConnectError from
 * connect(), never a socket handed on while connecting nor an unhandled rejection.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { it } from "node:test";
import { SMTP, SMTPConnectError } from "../../src/index.js";
import { closedPort } from "../helpers/closed-port.js";

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
