// `smtplib serve --save DIR`: each accepted message in DIR/new before its client is told so,
// the envelope lines first and the data byte for byte; nothing left of a message refused,
// cut short or that could not be written (then refused with 451); the CLI's flag, its
// listening line and its start failure.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { connect } from "node:net";
import { once } from "node:events";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SMTP, SMTPDataError } from "../../src/index.js";
import { openMaildir, withSaving, type ShowHooks } from "../../src/cli/save-messages.js";
import type { MessageInfo } from "../../src/server/inbox.js";
import { startDebugServer, type DebugServerOptions } from "../../src/server/debug-server.js";
import { run, Serve } from "../helpers/cli-process.js";
import { withTempDir } from "../helpers/temp-dir.js";

/** The file names in a Maildir's folder. */
const filesIn = (dir: string, sub: string): Promise<string[]> => readdir(join(dir, sub));

/** Waits until `check` holds (the cleanup after a refusal runs after its reply). */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(await check());
}

/** A debugging server that saves into `dir`, showing nothing; `warnings` gets what it says on stderr. */
async function savingServer(dir: string, warnings: string[], options: DebugServerOptions = {}): Promise<Awaited<ReturnType<typeof startDebugServer>>> {
  const save = await openMaildir(dir, (text) => warnings.push(text));
  const show: ShowHooks = { onMessage: () => undefined };
  return startDebugServer({ ...options, keepMessages: false, keepBytes: 0, ...withSaving(show, save) });
}

test("--save: the message is in new/ once sendmail returns, X-MailFrom and X-RcptTo first, then its data byte for byte; tmp/ left empty", async () => {
  await withTempDir("smtplib-save-", async (dir) => {
    const warnings: string[] = [];
    const server = await savingServer(join(dir, "box"), warnings);
    try {
      const client = await SMTP.connect(server.host, server.port);
      const message = "Subject: one\r\n\r\n.a line that began with a dot\r\nbytes \xe9\r\n";
      await client.sendmail("a@x.test", ["b@x.test", "c@x.test"], Buffer.from(message, "latin1"));
      // no waiting: the file was moved into new/ before the 250
      const [name, ...more] = await filesIn(join(dir, "box"), "new");
      assert.deepEqual(more, []);
      assert.match(name!, /^\d+\.P\d+Q1\./);
      assert.deepEqual(await readFile(join(dir, "box", "new", name!)), Buffer.from(`X-MailFrom: a@x.test\r\nX-RcptTo: b@x.test, c@x.test\r\n${message}`, "latin1"));
      await client.sendmail("", ["d@x.test"], "Subject: two\r\n\r\nbounce\r\n");
      assert.equal((await filesIn(join(dir, "box"), "new")).length, 2);
      await client.quit();
      assert.deepEqual(await filesIn(join(dir, "box"), "tmp"), []);
      assert.deepEqual(await filesIn(join(dir, "box"), "cur"), []);
      assert.deepEqual(warnings, []);
    } finally {
      await server.close();
    }
  });
});

test("--save: a message refused as too large, and one cut short by its client, leave nothing in tmp/ or new/", async () => {
  await withTempDir("smtplib-save-", async (dir) => {
    const server = await savingServer(dir, [], { size: 100 });
    try {
      const client = await SMTP.connect(server.host, server.port);
      // SIZE= not known to the server here (a string body is sent with it), so the data is read and refused
      await assert.rejects(client.sendmail("a@x.test", ["b@x.test"], `Subject: big\r\n\r\n${"x".repeat(300)}\r\n`), /552/);
      await client.quit();
      const raw = connect(server.port, server.host);
      raw.setEncoding("latin1");
      let said = "";
      raw.on("data", (d: string) => { said += d; });
      raw.write("EHLO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\n");
      while (!said.includes("354")) await once(raw, "data");
      raw.write("Subject: cut\r\n\r\nhalf a message");
      await eventually(async () => (await filesIn(dir, "tmp")).length === 1);
      raw.destroy();
      await eventually(async () => (await filesIn(dir, "tmp")).length === 0);
      assert.deepEqual(await filesIn(dir, "new"), []);
    } finally {
      await server.close();
    }
  });
});

/**
 * Sends one message to a saving server on `dir`, after `breakBox` has broken the Maildir:
 * it must be refused with 451 and said once on stderr. Runs `after` before the server closes;
 * resolves to the stderr line.
 */
async function refusedWith451(dir: string, breakBox: () => Promise<void>, after: () => Promise<void>): Promise<string> {
  const warnings: string[] = [];
  const server = await savingServer(dir, warnings);
  try {
    await breakBox();
    const client = await SMTP.connect(server.host, server.port);
    await assert.rejects(client.sendmail("a@x.test", ["b@x.test"], "Subject: x\r\n\r\nx\r\n"), (err: unknown) => err instanceof SMTPDataError && err.smtpCode === 451);
    await client.quit();
    assert.equal(warnings.length, 1);
    await after();
    return warnings[0]!;
  } finally {
    await server.close();
  }
}

test("--save: a message that cannot be moved into new/ is refused with 451, said on stderr, and its file removed", async () => {
  await withTempDir("smtplib-save-", async (dir) => {
    const warning = await refusedWith451(dir, async () => {
      await rm(join(dir, "new"), { recursive: true });
      await writeFile(join(dir, "new"), "not a folder");
    }, () => eventually(async () => (await filesIn(dir, "tmp")).length === 0));
    assert.match(warning, /^smtplib serve: --save: message from <a@x\.test> not saved, refused with 451: ENOTDIR: not a directory/);
  });
});

test("--save: a message whose file cannot be made in tmp/ is refused with 451 and said on stderr, nothing in new/", async () => {
  await withTempDir("smtplib-save-", async (dir) => {
    const warning = await refusedWith451(dir, () => rm(join(dir, "tmp"), { recursive: true }), async () => {
      assert.deepEqual(await filesIn(dir, "new"), []);
    });
    assert.match(warning, /not saved, refused with 451: ENOENT/);
  });
});

test("serve --save: sent with the CLI, the message is in DIR/new; the listening line says where; a path that cannot be a folder is exit 5", async () => {
  await withTempDir("smtplib-save-cli-", async (dir) => {
    const box = join(dir, "box");
    const serve = await Serve.start(["--save", box, "--quiet"]);
    try {
      assert.match(serve.stdout, new RegExp(`saving messages in ${join(box, "new").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\); Ctrl-C to stop`));
      const r = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--subject", "kept", "--body", "in the box"]);
      assert.equal(r.code, 0, r.stderr);
      const [name] = await filesIn(box, "new");
      const saved = await readFile(join(box, "new", name!), "utf8");
      assert.match(saved, /^X-MailFrom: a@x\.test\r\nX-RcptTo: b@x\.test\r\nDate: /);
      assert.match(saved, /\r\nSubject: kept\r\n[^]*\r\n\r\nin the box\r\n$/);
    } finally {
      await serve.stop();
    }
    await mkdir(join(dir, "f"));
    await writeFile(join(dir, "f", "file"), "");
    const bad = await run(["serve", "--port", "0", "--save", join(dir, "f", "file")]);
    assert.equal(bad.code, 5);
    assert.equal(bad.stderr, `smtplib serve: cannot start: --save ${join(dir, "f", "file")}: not a directory (ENOTDIR)\n`);
    assert.equal((await run(["serve", "--save", ""])).code, 2);
  });
});

/** What the server tells the hooks of a message from a@x.test to b@x.test. */
function messageInfo(session: string): MessageInfo {
  return { session, secure: false, envelope: { mailFrom: "a@x.test", rcptTo: ["b@x.test"], mailParams: {}, mailParamsSent: "", rcptParamsSent: [""] } };
}

test("--save: a piece the file cannot take at once is a promise that settles once it drains (the server reads no more meanwhile), and the file holds every byte", async () => {
  await withTempDir("smtplib-save-", async (dir) => {
    const save = await openMaildir(dir, () => undefined);
    save.onMessageStart("s1", messageInfo("s1"));
    const big = Buffer.alloc(1024 * 1024, "x");
    const held = save.onMessageData("s1", big);
    assert.ok(held instanceof Promise, "1 MiB is more than the file's buffer takes");
    await held;
    assert.equal(save.onMessageData("s1", Buffer.from("\r\n")), undefined, "drained: a small piece is taken at once");
    await save.onMessage({ ...messageInfo("s1"), data: Buffer.alloc(0), size: big.length + 2 });
    save.onMessageEnd("s1", undefined, big.length + 2);
    const [name] = await filesIn(dir, "new");
    assert.deepEqual(await readFile(join(dir, "new", name!)), Buffer.concat([Buffer.from("X-MailFrom: a@x.test\r\nX-RcptTo: b@x.test\r\n"), big, Buffer.from("\r\n")]));
  });
});

test("--save: a file that fails while a piece is held lets the server read on (the promise settles, never rejects), and the message is refused with the cause", async () => {
  await withTempDir("smtplib-save-", async (dir) => {
    const warnings: string[] = [];
    const save = await openMaildir(dir, (text) => warnings.push(text));
    await rm(join(dir, "tmp"), { recursive: true });
    save.onMessageStart("s1", messageInfo("s1"));
    await save.onMessageData("s1", Buffer.alloc(1024 * 1024, "x"));
    assert.equal(save.onMessageData("s1", Buffer.alloc(1024 * 1024, "x")), undefined, "failed: the rest is dropped, not held");
    await assert.rejects(save.onMessage({ ...messageInfo("s1"), data: Buffer.alloc(0), size: 2 * 1024 * 1024 }), /ENOENT/);
    save.onMessageEnd("s1", "not saved", 2 * 1024 * 1024);
    assert.match(warnings.join("\n"), /not saved, refused with 451: ENOENT/);
    assert.deepEqual(await filesIn(dir, "new"), []);
  });
});
