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

// The library's refusal gives the A-label form when it would do (an ASCII local part); send's
// own line said again that the address needs SMTPUTF8. The advice is said once; send adds only
// the addresses as given (the advice shows the first only) and a --mail-option SMTPUTF8 that
// asks for it too (A-labels alone would not do then).
test("send to a server without SMTPUTF8, A-labels would do: the library's advice once, then the addresses it is for", async () => {
  const serve = await Serve.start(["--hide", "smtputf8", "--quiet"]);
  try {
    const base = ["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test"];
    const one = await run([...base, "--to", "b@x.test", "--to", "j@bücher.test"], { input: MESSAGE });
    assert.equal(one.code, 4, one.stderr);
    assert.equal(one.stderr, "smtplib: SMTPNotSupportedError: SMTPUTF8 not supported by server: give the domain in A-labels: j@xn--bcher-kva.test (for <j@bücher.test>)\n");
    const two = await run([...base, "--to", "j@bücher.test", "--to", "k@ü.test"], { input: MESSAGE });
    assert.equal(two.code, 4, two.stderr);
    assert.equal(two.stderr, "smtplib: SMTPNotSupportedError: SMTPUTF8 not supported by server: give the domain in A-labels: j@xn--bcher-kva.test (and 1 more address likewise) (for <j@bücher.test>, <k@ü.test>)\n");
    const asked = await run([...base, "--to", "j@bücher.test", "--mail-option", "SMTPUTF8"], { input: MESSAGE });
    assert.equal(asked.code, 4, asked.stderr);
    assert.equal(asked.stderr, "smtplib: SMTPNotSupportedError: SMTPUTF8 not supported by server: give the domain in A-labels: j@xn--bcher-kva.test (for <j@bücher.test>; --mail-option SMTPUTF8 asks for it too)\n");
    // A-labels cannot help (a local part past ASCII): send's line as before, the option named too
    const local = await run([...base, "--to", "jü@x.test", "--mail-option", "SMTPUTF8"], { input: MESSAGE });
    assert.equal(local.stderr, "smtplib: SMTPNotSupportedError: SMTPUTF8 not supported by server (<jü@x.test> is not ASCII: only a server that offers SMTPUTF8 takes it; --mail-option SMTPUTF8 asks for it too)\n");
  } finally {
    await serve.stop();
  }
});
