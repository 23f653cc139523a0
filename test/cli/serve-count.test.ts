// `smtplib serve`'s last line on Ctrl-C counts the messages it received (kept), whether they
// were printed whole at their end or, with --print-max 0, as they arrived: a message refused
// after its data (over --size) is not one of them.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { run, Serve } from "../helpers/cli-process.js";

for (const mode of [[], ["--print-max", "0"]]) {
  test(`serve ${mode.join(" ") || "(messages printed whole)"}: 'closing (N message(s) received)' counts the messages kept, not one refused as too large`, async () => {
    const serve = await Serve.start(["--quiet", "--size", "200", "--hide", "size", ...mode]);
    try {
      const send = ["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test"];
      for (const input of ["Subject: one\r\n\r\nhi\r\n", `Subject: big\r\n\r\n${"x".repeat(300)}\r\n`, "Subject: two\r\n\r\nhi\r\n"]) {
        const r = await run(send, { input });
        assert.equal(r.code, input.includes("big") ? 4 : 0, r.stdout + r.stderr);
      }
      // numbered as printed: with --print-max 0 the refused one is printed too, as it arrived
      await serve.waitFor(mode.length > 0 ? /end of message 3 / : /end of message 2 /);
      assert.equal(await serve.stop("SIGINT"), 0);
      assert.match(serve.stdout, /\nsmtplib serve: SIGINT, closing \(2 message\(s\) received\)\n$/);
    } finally {
      await serve.stop();
    }
  });
}
