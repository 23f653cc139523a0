// `smtplib serve --print-max 0` with two sessions sending at once: each message is printed as
// it arrives, so their lines alternate; each line says its session, as the transcript's do,
// and a line still arriving is not cut by another session's output.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { connect, type Socket } from "node:net";
import { once } from "node:events";
import { Serve } from "../helpers/cli-process.js";

/** A raw session left after DATA's 354. */
async function inData(port: number): Promise<Socket> {
  const socket = connect(port, "127.0.0.1");
  let received = "";
  socket.on("data", (d: Buffer) => { received += d.toString(); });
  for (const cmd of ["", "EHLO c.example", "MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>", "DATA"]) {
    const replies = (received.match(/^\d{3} /gm) ?? []).length;
    if (cmd !== "") socket.write(`${cmd}\r\n`);
    while ((received.match(/^\d{3} /gm) ?? []).length <= replies) await once(socket, "data");
  }
  return socket;
}

test("serve --print-max 0: two messages arriving at once, each line of each prefixed with its session, none cut by the other", async () => {
  const serve = await Serve.start(["--print-max", "0"]);
  try {
    const a = await inData(serve.port);
    const b = await inData(serve.port);
    a.write("Subject: from a\r\n\r\nfirst line of a\r\nthe second line of a, still arriv");
    await serve.waitFor(/first line of a/);
    b.write("Subject: from b\r\n\r\nline of b\r\n.\r\n");
    await serve.waitFor(/end of message 2/);
    a.write("ing\r\n.\r\n");
    await serve.waitFor(/end of message 1 /);
    a.destroy();
    b.destroy();
    const lines = serve.stdout.split("\n").slice(1, -1);
    for (const line of lines) assert.match(line, /^\[[^\]\s]+\] /, serve.stdout);
    const bySession = new Map<string, string[]>();
    for (const line of lines) {
      const [, id, rest] = /^\[([^\]]+)\] (.*)$/s.exec(line)!;
      if (/^(?:[CS]: |\* )/.test(rest!)) continue; // the transcript's lines
      bySession.set(id!, [...bySession.get(id!) ?? [], rest!]);
    }
    const shown = [...bySession.values()].map((l) => l.join("\n"));
    assert.ok(shown.some((s) => s.includes("\nSubject: from a\r\n\r\nfirst line of a\r\nthe second line of a, still arriving\r\n---------- end of message 1 (")), serve.stdout);
    assert.ok(shown.some((s) => s.includes("\nSubject: from b\r\n\r\nline of b\r\n---------- end of message 2 (")), serve.stdout);
  } finally {
    assert.equal(await serve.stop(), 0);
  }
});
