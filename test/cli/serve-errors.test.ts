// `smtplib serve` errors that quote its arguments (a file name, a host) print them with
// control characters escaped, as every other usage error does (README: "Also").
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { run } from "../helpers/cli-process.js";

const EVIL = "\x1b]0;owned\x07\x1b[2J";

test("serve: --auth-file, --tls-cert and --host holding escape sequences are named escaped in the error (exit 2, 5, 5)", async () => {
  const cases: [string[], number][] = [
    [["--auth-file", `/nonexistent/${EVIL}`], 2],
    [["--tls-cert", `/nonexistent/${EVIL}`, "--tls-key", "/nonexistent/key.pem"], 5],
    [["--host", `bad${EVIL}.invalid`], 5],
  ];
  for (const [args, code] of cases) {
    const r = await run(["serve", "--port", "0", ...args]);
    assert.equal(r.code, code, args.join(" ") + r.stderr);
    assert.match(r.stderr, /\\u001b\]0;owned\\u0007\\u001b\[2J/, "named, escaped");
    // eslint-disable-next-line no-control-regex
    assert.ok(!/[\x00-\x09\x0b-\x1f\x7f]/.test(r.stderr + r.stdout), JSON.stringify(r.stderr));
  }
});
