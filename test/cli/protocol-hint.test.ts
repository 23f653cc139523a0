// An operator who forgets --lmtp on an LMTP port (or gives it on an SMTP port) sees the
// greeting command refused: the error then says which flag to try, exit 5 as before.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { run, Serve } from "../helpers/cli-process.js";

const SEND = ["--from", "a@x.test", "--to", "b@x.test", "--subject", "t"];

test("probe and send without --lmtp to an LMTP server: EHLO and HELO refused, the error says to give --lmtp", async () => {
  const serve = await Serve.start(["--lmtp"]);
  try {
    const where = `127.0.0.1:${serve.port}`;
    for (const args of [["probe", where], ["send", "--server", where, ...SEND]]) {
      const r = await run(args);
      assert.equal(r.code, 5, r.stdout + r.stderr);
      assert.equal(r.stderr, "smtplib: SMTPHeloError: 500 Error: HELO not allowed in LMTP server (the server knows neither EHLO nor HELO: if it speaks LMTP, give --lmtp)\n", args[0]);
    }
  } finally {
    await serve.stop();
  }
});

test("probe and send --lmtp to an SMTP server: LHLO refused, the error says to leave out --lmtp", async () => {
  const serve = await Serve.start([]);
  try {
    const where = `127.0.0.1:${serve.port}`;
    for (const args of [["probe", where, "--lmtp"], ["send", "--server", where, "--lmtp", ...SEND]]) {
      const r = await run(args);
      assert.equal(r.code, 5, r.stdout + r.stderr);
      assert.match(r.stderr, /^smtplib: SMTPHeloError: 50[02] [^\n]* \(the server does not know LHLO: if it speaks SMTP, leave out --lmtp\)\n$/, args[0]);
    }
  } finally {
    await serve.stop();
  }
});
