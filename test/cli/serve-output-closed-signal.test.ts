// `smtplib serve` whose output goes: once its output is closed (`serve | head`) or its writes
// fail otherwise (a full disk: ENOSPC), the server closes, waiting for the sessions still
// open (here one stopped in the middle of STARTTLS, which close() leaves to smtp-server's
// half-close deadline, seconds away, once it has closed its side). A Ctrl-C (or SIGTERM) then
// must end it at once, with a line on stderr, not be ignored until the sessions end.
// - Closed pipe: exit 141, the output's closing being why it stops (128 + SIGPIPE, as
//   `serve | head` alone gives: see serve-output-pipe.test.ts), where it was 0; the line
//   says "(output closed)".
// - ENOSPC: exit 1 (README: 1 when its output could not be written otherwise); the line said
//   "(output closed)" whatever the failure, and now says the output was lost and why, as
//   main's line before it does. The disk "fills up" mid-run: a preload
//   (test/helpers/stdout-fails.ts) fails each stdout write with ENOSPC once a file exists;
//   /dev/full would fail the "listening" line already.
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

/** How the output fails, and what serve then says and exits with after `signal`. */
interface OutputLoss {
  readonly what: string;
  /** Extra start options (the ENOSPC preload), given the test's temporary directory. */
  readonly start: (dir: string) => { nodeArgs?: string[]; env?: Record<string, string> };
  /** Makes the next write to stdout fail. */
  readonly fail: (serve: Serve, dir: string) => Promise<void>;
  readonly code: number;
  readonly stderr: (signal: string) => string;
}

const LOSSES: readonly OutputLoss[] = [
  {
    what: "its output closed: quits at once with exit 141",
    start: () => ({}),
    // `serve | head` done: the next write fails with EPIPE
    fail: async (serve) => { serve.child.stdout!.destroy(); },
    code: 141,
    stderr: (signal) => `smtplib serve: ${signal}, quitting without waiting for the open session(s) (output closed)\n`,
  },
  {
    what: "its output failed with ENOSPC: says so, and exits 1",
    start: (dir) => ({ nodeArgs: ["--import", PRELOAD], env: { SMTPLIB_TEST_STDOUT_FAILS: join(dir, "disk-full") } }),
    // the disk is full: the next write fails with ENOSPC
    fail: async (_serve, dir) => { await writeFile(join(dir, "disk-full"), ""); },
    code: 1,
    stderr: (signal) => "smtplib: cannot write to stdout, its output is lost: ENOSPC: no space left on device, write\n"
      + `smtplib serve: ${signal}, quitting without waiting for the open session(s) (output lost: ENOSPC)\n`,
  },
];

for (const loss of LOSSES) {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    test(`serve: ${signal} while it closes because ${loss.what} (a session still open)`, async () => {
      const files = await writeTestCerts(await getTestCerts());
      tempDirs.push(files.dir);
      const serve = await Serve.start(["--tls-cert", files.cert, "--tls-key", files.key], loss.start(files.dir));
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
      await loss.fail(serve, files.dir);
      // a second session: its "connection from" line is that write, and the server closes
      const other = connect({ port: serve.port, host: "127.0.0.1" });
      other.on("error", () => undefined);
      // the server ends its side of the first session after closeTimeout, within close(),
      // which then waits for its socket to close
      await ended;
      other.destroy();
      const exited = serve.closed; // its stderr read whole: asserted below
      serve.child.kill(signal);
      const [code, sig] = await exited;
      children.delete(serve.child);
      client.destroy();
      assert.deepEqual([code, sig], [loss.code, null], serve.stderr);
      assert.equal(serve.stderr, loss.stderr(signal));
    });
  }
}
