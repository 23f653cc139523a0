// `smtplib send --file BIG` on a terminal: the size pass's line ("reading FILE for its size as
// sent: 45% of 8.0 GiB", drawn without a line end) must be erased before an error line is
// written, or the error reads glued to it ("...of 8.0 GiBsmtplib: ..."). Run in-process,
// with stderr a recording terminal and the clock moved past the pass's 3 s of silence.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { truncate } from "node:fs/promises";
import net from "node:net";
import { parseCommandLine, type SendCommand } from "../../src/cli/args.js";
import { runSend } from "../../src/cli/send.js";
import { tempFile } from "../helpers/cli-process.js";

test("send --file: a failure while the size pass's line is on screen erases that line before the error line", { timeout: 60_000 }, async () => {
  // 8 GiB with no data (sparse): a pass of seconds, ended by the failure after a few pieces
  const file = await tempFile("big.eml", "");
  await truncate(file, 8 * 1024 ** 3);
  // greets with a 554 once the test has seen the pass's line
  let greet!: () => void;
  const canGreet = new Promise<void>((resolve) => { greet = resolve; });
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("error", () => undefined);
    void canGreet.then(() => sock.end("554 5.3.2 not today\r\n"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const cmd = parseCommandLine(["send", "--server", `127.0.0.1:${port}`, "--from", "a@x.test", "--to", "b@x.test", "--file", file], {
    writeOut: () => undefined, writeErr: () => undefined,
  }) as SendCommand;

  let written = "";
  const stderr = process.stderr;
  const write = stderr.write;
  const wasTTY = Object.getOwnPropertyDescriptor(stderr, "isTTY");
  const now = performance.now;
  try {
    Object.defineProperty(stderr, "isTTY", { value: true, configurable: true });
    stderr.write = ((chunk: string | Uint8Array) => {
      written += String(chunk);
      if (written.includes("for its size as sent")) greet();
      return true;
    }) as typeof stderr.write;
    // every reading of the clock 10 s later than the last: the pass's line shows at once
    let shift = 0;
    performance.now = () => now.call(performance) + (shift += 10_000);
    const code = await runSend(cmd);
    assert.equal(code, 5, written);
  } finally {
    performance.now = now;
    stderr.write = write;
    if (wasTTY) Object.defineProperty(stderr, "isTTY", wasTTY);
    else delete (stderr as { isTTY?: boolean }).isTTY;
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  assert.match(written, /reading .*big\.eml for its size as sent: \d+% of 8\.0 GiB/);
  // each of send's lines starts a line: after nothing, a line end, or the erasure of the pass's line
  for (const m of written.matchAll(/smtplib:/g)) {
    const before = written.slice(0, m.index);
    assert.ok(before === "" || before.endsWith("\n") || before.endsWith("\r\x1b[K"), JSON.stringify(written.slice(Math.max(0, m.index - 80), m.index + 40)));
  }
});
