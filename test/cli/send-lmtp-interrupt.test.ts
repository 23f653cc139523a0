// `smtplib send --lmtp` interrupted (Ctrl-C, SIGTERM) while the replies after the data come,
// one per recipient (RFC 2033 §4.2): the recipients whose reply came got the message, so the
// output names them and those not confirmed, and the exit code is 3 (some got it), not 130
// ("the server did not confirm the message"), which would invite sending it to all again.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { children, LIMIT_MS, MAIN, MESSAGE, whenOutput } from "../helpers/cli-process.js";
import { onLines } from "../helpers/lines.js";

/** An LMTP server that, after the data, confirms the first recipient and never answers for the second. */
async function halfAnsweringServer(): Promise<{ close(): void; port: number }> {
  const server = createServer((sock) => {
    sock.on("error", () => undefined);
    sock.write("220 lmtp.test LMTP\r\n");
    let data = false;
    onLines(sock, (line) => {
      if (data) {
        if (line === ".") {
          data = false;
          sock.write("250 2.0.0 <b@x.test> delivered\r\n"); // and nothing for <c@x.test>
        }
        return;
      }
      const verb = line.split(" ")[0]!.toUpperCase();
      if (verb === "LHLO") sock.write("250-lmtp.test\r\n250 ENHANCEDSTATUSCODES\r\n");
      else if (verb === "DATA") {
        data = true;
        sock.write("354 go ahead\r\n");
      } else sock.write("250 2.1.0 ok\r\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { close: () => server.close(), port: (server.address() as { port: number }).port };
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  test(`send --lmtp: ${signal} after one recipient's reply to the data, the other's still due: exit 3; the one delivered, the other not confirmed`, async () => {
    const server = await halfAnsweringServer();
    try {
      const child = spawn(process.execPath, [MAIN, "send", "--lmtp", "-v", "--server", `127.0.0.1:${server.port}`, "--from", "a@x.test", "--to", "b@x.test", "--to", "c@x.test"], { stdio: ["pipe", "pipe", "pipe"] });
      children.add(child);
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => { stdout += d.toString(); });
      child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
      child.stdin.end(MESSAGE);
      const timer = setTimeout(() => child.kill("SIGKILL"), LIMIT_MS);
      const closed = once(child, "close") as Promise<[number | null, NodeJS.Signals | null]>;
      // -v: the client has read the first reply once it shows it
      await whenOutput(child.stderr, () => stderr.includes("S: 250 2.0.0 <b@x.test> delivered"), LIMIT_MS, () => `no reply read:\n${stderr}`);
      child.kill(signal);
      const [code] = await closed;
      clearTimeout(timer);
      children.delete(child);
      assert.equal(code, 3, stdout + stderr);
      assert.equal(stdout, [
        "delivered <b@x.test>: 250 2.0.0 <b@x.test> delivered",
        `not confirmed <c@x.test>: interrupted by ${signal} before its reply (whether it got the message is unknown)`,
        "sent to 1 of 2 recipient(s)",
        "",
      ].join("\n"));
      assert.match(stderr, new RegExp(`smtplib: interrupted by ${signal}: the server did not confirm the message for 1 recipient\\(s\\)\\n$`));
    } finally {
      server.close();
    }
  });
}
