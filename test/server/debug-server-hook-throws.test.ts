// A fixture's callbacks that throw (an assertion in onTranscript, say): the sessions must go
// on, and the error must still reach the test. Run in a child process, which counts its
// uncaught exceptions (the test runner would take them for this test's failure).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const url = (path: string): string => JSON.stringify(pathToFileURL(`${ROOT}${path}`).href);

test("an onTranscript that throws leaves no session without its reply: the message is received, each throw surfaces once as an uncaught exception", async () => {
  const code = `
    import { SMTP } from ${url("build/src/index.js")};
    import { startDebugServer } from ${url("build/src/server/debug-server.js")};
    const uncaught = [];
    process.on("uncaughtException", (err) => uncaught.push(err.message));
    const server = await startDebugServer({ onTranscript: (entry) => { throw new Error("hook: " + entry.line); } });
    // short timeouts: a session left without a reply (the bug) ends the run soon, with an error
    const smtp = await SMTP.connect(server.host, server.port, { timeouts: { greeting: 3000, command: 3000, dataTermination: 3000 } });
    let outcome = "sent";
    try {
      await smtp.sendmail("a@example.org", ["b@example.org"], "Subject: x\\r\\n\\r\\nhello\\r\\n");
      await smtp.quit();
    } catch (err) {
      outcome = err.name + ": " + err.message;
      smtp.close();
    }
    await server.close();
    await new Promise((resolve) => setImmediate(resolve));
    console.log(JSON.stringify({ outcome, messages: server.messages.length, uncaught, lines: server.transcript.map((e) => "hook: " + e.line) }));
  `;
  const guardMs = 60_000;
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ["--input-type=module", "-e", code], { cwd: ROOT, timeout: guardMs, killSignal: "SIGKILL" }, (err, out, stderr) => {
      if (err) reject(new Error(`${err.killed ? `still running after ${guardMs} ms` : err.message}\n${out}\n${stderr}`));
      else resolve(out);
    });
  });
  const { outcome, messages, uncaught, lines } = JSON.parse(stdout) as { outcome: string; messages: number; uncaught: string[]; lines: string[] };
  assert.equal(outcome, "sent");
  assert.equal(messages, 1);
  assert.deepEqual(uncaught, lines, "each line's throw, once, in order");
  assert.ok(lines.includes("hook: connection closed"));
});
