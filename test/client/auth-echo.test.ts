import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPAuthenticationError, SMTPResponseException, SMTPServerDisconnected } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";

// A server that echoes what it could not take ("535 5.7.8 bad credentials <base64>", a
// proxy quoting the line it refused) must not carry the client's credentials into the
// error message (which services log and show) or the debug transcript: both are promised
// free of credentials, and base64 is no protection.

const PASSWORD = "s3cr3t-PASSW0RD";
const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");

test("a refusal of AUTH PLAIN that echoes the initial response: the credentials are masked in the error and the transcript", async () => {
  const plain = b64(`\0alice\0${PASSWORD}`);
  const script = `${greeting(["AUTH PLAIN"])}C: AUTH PLAIN ${plain}
S: 535 5.7.8 authentication failed for ${plain}
`;
  const lines: string[] = [];
  await withScript(script, async (client) => {
    await assert.rejects(client.login("alice", PASSWORD), (err: unknown) => {
      assert.ok(err instanceof SMTPAuthenticationError);
      assert.equal(err.smtpCode, 535);
      assert.equal(err.smtpError, "5.7.8 authentication failed for ****");
      assert.ok(!err.message.includes(plain), err.message);
      return true;
    });
  }, { debugLevel: 1, debugOutput: (line) => lines.push(line) });
  assert.ok(lines.includes("S: 535 5.7.8 authentication failed for ****"), lines.join("\n"));
  assert.ok(!lines.join("\n").includes(plain));
});

test("a refusal of AUTH LOGIN's password that echoes it: masked in the error and the transcript", async () => {
  const script = `${greeting(["AUTH LOGIN"])}C: AUTH LOGIN ${b64("alice")}
S: 334 ${b64("Password:")}
C: ${b64(PASSWORD)}
S: 535 5.7.8 bad password ${b64(PASSWORD)} (try again)
`;
  const lines: string[] = [];
  await withScript(script, async (client) => {
    await assert.rejects(client.login("alice", PASSWORD), (err: unknown) => {
      assert.ok(err instanceof SMTPAuthenticationError);
      assert.equal(err.smtpError, "5.7.8 bad password **** (try again)");
      assert.ok(!err.message.includes(b64(PASSWORD)), err.message);
      return true;
    });
  }, { debugLevel: 1, debugOutput: (line) => lines.push(line) });
  assert.ok(lines.includes("S: 535 5.7.8 bad password **** (try again)"), lines.join("\n"));
  assert.ok(!lines.join("\n").includes(b64(PASSWORD)));
});

test("a malformed line that echoes AUTH PLAIN's initial response, cut where the error quotes it: masked in the error, and in the next call's", async () => {
  const plain = b64(`\0alice@example.com\0${PASSWORD}-and-more`);
  // Cut at 60 characters in the error: it shows only the start of the base64.
  const script = `${greeting(["AUTH PLAIN"])}C: AUTH PLAIN ${plain}
S: 5.7.8 authentication failed: ${plain}
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.login("alice@example.com", `${PASSWORD}-and-more`), (err: unknown) => {
      assert.ok(err instanceof SMTPResponseException);
      assert.equal(err.smtpCode, -1);
      assert.equal(err.smtpError, 'Malformed reply line "5.7.8 authentication failed: ****"');
      assert.ok(!(err.stack ?? "").includes(plain.slice(0, 8)), err.stack);
      return true;
    });
    await assert.rejects(client.noop(), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.ok(!err.message.includes(plain.slice(0, 8)), err.message);
      return true;
    });
  });
});

test("a 421 to AUTH LOGIN's password that echoes it: masked in the close's error too, as the next call shows it", async () => {
  const script = `${greeting(["AUTH LOGIN"])}C: AUTH LOGIN ${b64("alice")}
S: 334 ${b64("Password:")}
C: ${b64(PASSWORD)}
S: 421 4.7.0 too many failures for ${b64(PASSWORD)}
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.login("alice", PASSWORD), (err: unknown) => {
      assert.ok(err instanceof SMTPAuthenticationError);
      assert.equal(err.smtpError, "4.7.0 too many failures for ****");
      return true;
    });
    await assert.rejects(client.noop(), (err: unknown) => {
      assert.ok(err instanceof SMTPServerDisconnected);
      assert.match(err.message, /421 4\.7\.0 too many failures for \*\*\*\*\)/);
      return true;
    });
  });
});
