// `smtplib probe` once the server is probed: a QUIT that gets no reply (the server hangs up,
// or never answers) neither fails the probe nor holds it for the command timeout.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { lineServer } from "../helpers/line-server.js";
import { run } from "../helpers/cli-process.js";

for (const [how, atQuit] of [["hangs up", "close"], ["never answers", "silent"]] as const) {
  test(`probe: a server that ${how} at QUIT is still probed (exit 0); the QUIT line says no reply came`, async () => {
    const server = await lineServer((sock, line) => {
      const verb = line.split(" ")[0]!.toUpperCase();
      if (verb === "EHLO") sock.write("250-mx.test\r\n250 8BITMIME\r\n");
      else if (verb === "QUIT" && atQuit === "close") sock.destroy();
      else if (verb !== "QUIT") sock.write("250 ok\r\n");
    });
    try {
      // no --timeout: the library's command timeout (minutes) is not what bounds the wait
      const r = await run(["probe", `127.0.0.1:${server.port}`]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^ {2}8BITMIME$/m);
      assert.match(r.stdout, /^ {2}QUIT .* ms {2}no reply \((the server closed the connection|none within 5 s)\)$/m);
      assert.equal(r.stderr, "");
    } finally {
      await server.close();
    }
  });
}
