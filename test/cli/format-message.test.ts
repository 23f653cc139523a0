// How `smtplib serve` prints a message cut by --print-max (formatMessage, pure).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { formatMessage } from "../../src/cli/serve.js";
import { DataShower, showData } from "../../src/cli/show-data.js";
import type { ReceivedMessage } from "../../src/server/debug-server.js";

function message(data: string): ReceivedMessage {
  const bytes = Buffer.from(data, "utf8");
  return { envelope: { mailFrom: "a@x.test", rcptTo: ["b@x.test"], mailParams: {}, mailParamsSent: "", rcptParamsSent: [""] }, data: bytes, size: bytes.length, session: "s1", secure: false };
}

test("--print-max cutting between a CR and its LF shows the line without a '\\r' the message does not have", () => {
  const shown = formatMessage(message("Subject: a\r\n\r\nbody\r\n"), 1, 11);
  assert.equal(shown, [
    "---------- message 1 (20 bytes, session s1) ----------",
    "MAIL FROM: <a@x.test>",
    "RCPT TO:   <b@x.test>",
    "",
    "Subject: a",
    "[... 10 more bytes not shown (--print-max)]",
    "---------- end of message 1 ----------",
    "",
  ].join("\n"));
  // a bare CR at the cut is still shown as one
  assert.match(formatMessage(message("Subject: a\rb\r\n"), 1, 11), /\nSubject: a\\r\n\[\.\.\. 3 more bytes/);
});

test("DataShower (serve --print-max 0): data shown piece by piece, split at every index, shows as the whole does", () => {
  const data = Buffer.concat([Buffer.from("a\r\nb\u00e9\u20ac\u{1f600}\r\r\n\n\x1b[2J", "utf8"), Buffer.from([0xe9, 0xc3, 0x0d, 0x0a, 0xf0, 0x9f])]);
  const whole = showData(data);
  for (let i = 0; i <= data.length; i++) {
    for (let j = i; j <= data.length; j++) {
      const shower = new DataShower();
      const shown = shower.push(data.subarray(0, i)) + shower.push(data.subarray(i, j)) + shower.push(data.subarray(j)) + shower.end();
      assert.equal(shown, whole, `split at ${i}, ${j}`);
    }
  }
});

test("the header's user name (as the client logged in) has its control characters escaped", () => {
  const shown = formatMessage({ ...message("x\r\n"), user: "ev\u001b[2Jil" }, 1);
  assert.match(shown, /, user ev\\u001b\[2Jil\) -+\n/);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(shown, /\u001b/);
});
