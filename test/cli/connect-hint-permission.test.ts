// A Unix socket this user may not use (connect(2) needs write permission on it, which
// Dovecot's and Postfix's LMTP sockets do not give everyone): the line says so and what to
// do, not "connect EACCES /path" alone. Pure: root, who runs some of these tests, passes
// any permission check, so the error is made here.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { SMTPConnectError } from "../../src/index.js";
import { connectHint } from "../../src/cli/connect.js";
import type { ConnectTarget } from "../../src/cli/args.js";

test("a Unix socket path refused for want of permission (EACCES) says to run as a user its permissions allow; a host name's EACCES gets no hint", () => {
  const path = "/var/run/dovecot/lmtp";
  const target: ConnectTarget = { host: path, port: 0, tlsMode: "none", insecure: false, lmtp: true };
  const denied = new SMTPConnectError(-1, `Could not connect to ${path}: connect EACCES ${path}`, { cause: Object.assign(new Error(`connect EACCES ${path}`), { code: "EACCES" }) });
  assert.equal(connectHint(denied, target), " (this user may not use that socket: run as one its permissions allow, such as its owner or a member of its group)");
  assert.equal(connectHint(denied, { ...target, host: "mail.example.org", port: 24 }), "");
});
