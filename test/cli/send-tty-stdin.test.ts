// `smtplib send` typed at a terminal without --file or --subject/--body: stdin is the
// terminal, so nothing says where the message is. A usage error (exit 2) before connecting,
// saying how to give one, as swaks users expect; not "cannot read the message" (exit 7).
// The command runs on a pseudo-terminal (util-linux `script`) so that its stdin is a tty.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { MAIN } from "../helpers/cli-process.js";
import { lineServer } from "../helpers/line-server.js";

test("send with stdin a terminal and no --file or --subject/--body: exit 2, says how to give the message, nothing connects", async () => {
  const server = await lineServer(() => undefined);
  try {
    const command = `"${process.execPath}" "${MAIN}" send --server 127.0.0.1:${server.port} --from a@x.test --to b@x.test`;
    const child = spawn("script", ["-qfec", command, "/dev/null"], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, SHELL: "/bin/sh" } });
    let terminal = "";
    child.stdout.on("data", (d: Buffer) => { terminal += d.toString(); });
    child.stderr.on("data", (d: Buffer) => { terminal += d.toString(); });
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    const [code] = (await once(child, "close")) as [number | null];
    clearTimeout(timer);
    assert.equal(code, 2, terminal);
    assert.equal(terminal, "smtplib: no message: give it with --file or on stdin (< message.eml), or send a test message with --subject/--body/--header\r\n");
    assert.equal(server.connections(), 0);
  } finally {
    await server.close();
  }
});
