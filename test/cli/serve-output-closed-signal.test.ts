// `smtplib serve | head`: once its output is closed the server closes, waiting for the
// sessions still open (here one stopped in the middle of STARTTLS, which close() leaves to
// smtp-server's half-close deadline, seconds away, once it has closed its side). A Ctrl-C
// (or SIGTERM) then must end it at once, with a line on stderr (its stdout is gone), not be
// ignored until the sessions end; with exit 141, the output's closing being why it stops
// (128 + SIGPIPE, as `serve | head` alone gives: see serve-output-pipe.test.ts), where it
// was 0.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { once } from "node:events";
import { connect } from "node:net";
import { getTestCerts, writeTestCerts } from "../helpers/certs.js";
import { children, Serve, tempDirs } from "../helpers/cli-process.js";

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  test(`serve: ${signal} while it closes because its output closed (a session still open) quits at once with exit 141`, async () => {
    const files = await writeTestCerts(await getTestCerts());
    tempDirs.push(files.dir);
    const serve = await Serve.start(["--tls-cert", files.cert, "--tls-key", files.key]);
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
    await reply(/^220 [^]*^220 /m); // its 220: the client may begin the handshake
    await serve.waitFor(/S: 220 2\.0\.0 Ready to start TLS/);
    const ended = once(client, "end");
    serve.child.stdout!.destroy(); // `serve | head` done: the next write fails with EPIPE
    // a second session: its "connection from" line is that write, and the server closes
    const other = connect({ port: serve.port, host: "127.0.0.1" });
    other.on("error", () => undefined);
    // the server ends its side of the first session after closeTimeout, within close(),
    // which then waits for its socket to close
    await ended;
    other.destroy();
    const exited = once(serve.child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    serve.child.kill(signal);
    const [code, sig] = await exited;
    children.delete(serve.child);
    client.destroy();
    assert.deepEqual([code, sig], [141, null], serve.stderr);
    assert.equal(serve.stderr, `smtplib serve: ${signal}, quitting without waiting for the open session(s) (output closed)\n`);
  });
}
