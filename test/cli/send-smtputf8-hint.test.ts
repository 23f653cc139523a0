// A server without SMTPUTF8 and a message that needs it: the library's "SMTPUTF8 not
// supported by server" (Python's words) names no address; send's line says which address is
// not ASCII, or that --mail-option SMTPUTF8 asked for it.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { MESSAGE, run, Serve } from "../helpers/cli-process.js";

test("send to a server without SMTPUTF8: the line names the non-ASCII address, or the --mail-option that asked for it", async () => {
  const serve = await Serve.start(["--hide", "smtputf8", "--quiet"]);
  try {
    const base = ["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test"];
    const wide = await run([...base, "--to", "b@x.test", "--to", "Jürgen <jürgen@x.test>"], { input: MESSAGE });
    assert.equal(wide.code, 4, wide.stderr);
    assert.equal(wide.stderr, "smtplib: SMTPNotSupportedError: SMTPUTF8 not supported by server (<jürgen@x.test> is not ASCII: only a server that offers SMTPUTF8 takes it)\n");
    const asked = await run([...base, "--to", "b@x.test", "--mail-option", "SMTPUTF8"], { input: MESSAGE });
    assert.equal(asked.code, 4, asked.stderr);
    assert.equal(asked.stderr, "smtplib: SMTPNotSupportedError: SMTPUTF8 not supported by server (--mail-option SMTPUTF8 asks for it)\n");
  } finally {
    await serve.stop();
  }
});
