// The library's timeout errors under a second add a hint that timeouts are milliseconds
// (timeoutUnitHint); the CLI, whose --timeout says its unit, strips it (TIMEOUT_UNIT_HINT).
// The regular expression repeated the hint's words by hand: a change of the words would have
// left the hint in every CLI message, with no test to notice. It is now built from the same
// words; this test ties the two, for values written in every way JavaScript writes a number
// under 1000 (integers, fractions, exponents, 0).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { cliWording } from "../../src/cli/cli-wording.js";
import { describeError } from "../../src/cli/connect.js";
import { TIMEOUT_UNIT_HINT, timedOutAfter, timeoutUnitHint, withoutTimeoutUnitHint } from "../../src/error-text.js";
import { SMTPTimeoutError } from "../../src/errors.js";

const VALUES = [0, 1, 30, 300, 999, 999.5, 1.1, 0.5, 0.001, 1e-7, 5e-324, 123.456789];

test("timeoutUnitHint's text, for any value it is made for, is stripped whole by the CLI's wording", () => {
  for (const ms of VALUES) {
    const hint = timeoutUnitHint(ms);
    assert.notEqual(hint, "", String(ms));
    assert.equal(cliWording(hint), "", `${ms}: ${hint}`);
    // twice in one message, between other words: each taken out, nothing else
    assert.equal(cliWording(`a${hint} b${hint}: c`), "a b: c", `${ms}: ${hint}`);
  }
});

test("a timeout error under a second, through the CLI's describeError: the message without the hint", () => {
  for (const ms of VALUES) {
    const err = new SMTPTimeoutError(`${timedOutAfter(ms, "waiting for the reply to EHLO x.test")}: the message was not sent`, "command", ms);
    const said = describeError(err);
    assert.doesNotMatch(said, /milliseconds here|Python/, `${ms}: ${said}`);
    assert.ok(said.startsWith(`SMTPTimeoutError: Timed out after ${ms} ms waiting for the reply to EHLO x.test: the message was not sent`), `${ms}: ${said}`);
  }
});

// TIMEOUT_UNIT_HINT was exported with the /g flag: test() and exec() on it kept lastIndex
// between calls, so the same message tested twice answered true, then false.
test("TIMEOUT_UNIT_HINT keeps no state between calls; withoutTimeoutUnitHint takes out every hint", () => {
  const message = timedOutAfter(30, "waiting for the greeting");
  for (let n = 0; n < 3; n++) {
    assert.equal(TIMEOUT_UNIT_HINT.test(message), true, `call ${n}`);
    assert.notEqual(TIMEOUT_UNIT_HINT.exec(message), null, `call ${n}`);
  }
  assert.equal(TIMEOUT_UNIT_HINT.test(timedOutAfter(5000, "waiting for the greeting")), false);
  assert.equal(withoutTimeoutUnitHint(`${message}; ${message}`), "Timed out after 30 ms waiting for the greeting; Timed out after 30 ms waiting for the greeting");
});
