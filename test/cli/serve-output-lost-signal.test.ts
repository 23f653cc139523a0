// `smtplib serve` whose output fails other than by a closed pipe (a full disk: ENOSPC) closes,
// waiting for the sessions still open, as for a closed pipe (serve-output-closed-signal.test.ts);
// a signal then quits at once with a line on stderr. That line said "(output closed)" whatever
// the failure: with ENOSPC it now says the output was lost and why, as main's line before it
// does, with exit 1 (README: 1 when its output could not be written otherwise).
// The disk "fills up" mid-run: a preload (test/helpers/stdout-fails.ts) fails each stdout
// write with ENOSPC once a file exists; /dev/full would fail the "listening" line already.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { once } from "node:events";
import { writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { getTestCerts, writeTestCerts } from "../helpers/certs.js";
import { children, Serve, tempDirs } from "../helpers/cli-process.js";

const PRELOAD = fileURLToPath(new URL("../helpers/stdout-fails.js", import.meta.url));

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  test(`serve: ${signal} while it closes because its output failed with ENOSPC (a session still open) says so, and exits 1`, async () => {
    const files = await writeTestCerts(await getTestCerts());
    tempDirs.push(files.dir);
    const flag = join(files.dir, "disk-full");
    const serve = await Serve.start(["--tls-cert", files.cert, "--tls-key", files.key], {
      nodeArgs: ["--import", PRELOAD], env: { SMTPLIB_TEST_STDOUT_FAILS: flag },
    });
    // a session that stays open, its side never closed, its TLS handshake never begun
    const client = connect({ port: serve.port, host: "127.0.0.1", allowHalfOpen: true });
    client.on("error", () => undefined);
    let received = "";
    const waiters: { pattern: RegExp; resolve: () => void }[] = [];
    client.on("data", (d: Buffer) => {
      received += d.toString();
      for (const w of waiters) if (w.pattern.test(received)) w.resolve();
    });
    const reply = (pattern: RegExp): Promise<void> => new Promise((resolve) => {
      if (pattern.test(received)) resolve();
      else waiters.push({ pattern, resolve });
    });
    await reply(/^220 /m);
    client.write("EHLO client.test\r\nSTARTTLS\r\n");
    await reply(/^220 [^]*^220 /m);
    await serve.waitFor(/S: 220 2\.0\.0 Ready to start TLS/);
    const ended = once(client, "end");
    await writeFile(flag, ""); // the disk is full: the next write fails with ENOSPC
    // a second session: its "connection from" line is that write, and the server closes
    const other = connect({ port: serve.port, host: "127.0.0.1" });
    other.on("error", () => undefined);
    // the server ends its side of the first session within close()
    await ended;
    other.destroy();
    const exited = once(serve.child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    serve.child.kill(signal);
    const [code, sig] = await exited;
    children.delete(serve.child);
    client.destroy();
    assert.deepEqual([code, sig], [1, null], serve.stderr);
    assert.equal(serve.stderr, "smtplib: cannot write to stdout, its output is lost: ENOSPC: no space left on device, write\n"
      + `smtplib serve: ${signal}, quitting without waiting for the open session(s) (output lost: ENOSPC)\n`);
  });
}
