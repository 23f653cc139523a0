/**
 * `smtplib serve --save DIR`: every message the server accepts is written to a Maildir
 * (`DIR/tmp`, `new` and `cur`, made when missing), so that a test, a mail reader (`mutt -f
 * DIR`) or a script can read it whole, whatever `--print-max` shows.
 *
 * - Each file holds two lines for the envelope, `X-MailFrom` and `X-RcptTo` (as aiosmtpd's
 *   Mailbox handler writes them), then the message data as it came.
 * - The data goes into `tmp/` as it arrives, so the server holds none of it: while the file
 *   takes it slower than it comes, the client's socket is not read (back-pressure). The file
 *   is moved into `new/` before the client is told the message was accepted. A test that
 *   reads `new/` once its send has returned finds the file there, whole.
 * - A message refused, cut short or not saved leaves nothing behind. One that cannot be
 *   written (a full disk) is refused with 451, and said on stderr.
 * @module
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, rename, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { escapeControl } from "../error-text.js";
import type { DebugServerHooks, MessageInfo, ReceivedMessage } from "../server/debug-server.js";

/** A message being written. */
interface Saving {
  /** Its file name, the same in `tmp/` and `new/`. */
  readonly name: string;
  readonly stream: WriteStream;
  /** The first error of the write, if any. */
  failed?: Error;
  /** Its path in `new/`, once moved there. */
  saved?: string;
}

/** The hooks a Maildir takes messages through (see {@link openMaildir}). */
export type SaveHooks = Required<Pick<DebugServerHooks, "onMessageStart" | "onMessageEnd">> & {
  /** Writes a piece of the data; a promise while the file takes no more (see {@link DebugServerHooks.onMessageData}). */
  readonly onMessageData: (session: string, chunk: Buffer) => Promise<void> | undefined;
  /** Moves the message into `new/`, its data all written. @throws what writing or moving it failed with. */
  readonly onMessage: (message: ReceivedMessage) => Promise<void>;
};

/** The host part of a Maildir file name: `/` and `:` written as the Maildir convention writes them. */
function hostPart(): string {
  return hostname().replace(/\//g, "\\057").replace(/:/g, "\\072");
}

/** The two envelope lines that open a saved message, control characters escaped (no line of the address's can begin a field). */
function envelopeLines(info: MessageInfo): string {
  const from = escapeControl(info.envelope.mailFrom);
  const to = info.envelope.rcptTo.map((r) => escapeControl(r)).join(", ");
  return `X-MailFrom: ${from}\r\nX-RcptTo: ${to}\r\n`;
}

/**
 * Resolves once `stream` takes more: drained, or failed or closed (whose error `onMessage`
 * reports); never rejects, so the server reads on (and discards) the rest of a message that
 * cannot be saved.
 */
function drained(stream: WriteStream): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      stream.off("drain", done);
      stream.off("error", done);
      stream.off("close", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("error", done);
    stream.on("close", done);
  });
}

/**
 * Makes `dir` a Maildir (its three folders made when missing) and returns the hooks that save
 * every accepted message into it. `warn` says on stderr a message that could not be saved.
 * @throws what making the folders fails with (not a folder, no permission).
 */
export async function openMaildir(dir: string, warn: (text: string) => void): Promise<SaveHooks> {
  for (const sub of ["tmp", "new", "cur"]) await mkdir(join(dir, sub), { recursive: true });
  const host = hostPart();
  const open = new Map<string, Saving>();
  let count = 0;
  const forget = (entry: Saving): void => {
    entry.stream.destroy();
    void unlink(join(dir, "tmp", entry.name)).catch(() => undefined);
    if (entry.saved !== undefined) void unlink(entry.saved).catch(() => undefined);
  };
  return {
    onMessageStart: (session, info) => {
      const name = `${Math.floor(Date.now() / 1000)}.P${process.pid}Q${++count}.${host}`;
      const stream = createWriteStream(join(dir, "tmp", name), { flags: "wx" });
      const entry: Saving = { name, stream };
      stream.on("error", (err) => { entry.failed ??= err; });
      stream.write(envelopeLines(info));
      open.set(session, entry);
    },
    onMessageData: (session, chunk) => {
      const entry = open.get(session);
      if (entry === undefined || entry.failed !== undefined || entry.stream.write(chunk)) return undefined;
      return drained(entry.stream);
    },
    onMessage: async (message) => {
      const entry = open.get(message.session);
      if (entry === undefined) return;
      try {
        // the write's own error first: a stream that failed to open says only that it was destroyed
        if (entry.failed !== undefined) throw entry.failed;
        await new Promise<void>((resolve, reject) => entry.stream.end((err?: Error | null) => (err ? reject(entry.failed ?? err) : resolve())));
        if (entry.failed !== undefined) throw entry.failed;
        const saved = join(dir, "new", entry.name);
        await rename(join(dir, "tmp", entry.name), saved);
        entry.saved = saved;
      } catch (err) {
        warn(`smtplib serve: --save: message from <${escapeControl(message.envelope.mailFrom)}> not saved, refused with 451: ${escapeControl(err instanceof Error ? err.message : String(err))}`);
        throw err;
      }
    },
    onMessageEnd: (session, refused) => {
      const entry = open.get(session);
      if (entry === undefined) return;
      open.delete(session);
      // refused after all (the server closing as it was accepted), or never saved: nothing left
      if (refused !== undefined || entry.saved === undefined) forget(entry);
    },
  };
}

/** What `serve` shows of messages: the hooks and `onMessage` it passes to the server. */
export type ShowHooks = DebugServerHooks & { readonly onMessage: (message: ReceivedMessage) => void };

/**
 * `show`'s hooks with `save`'s run first: a message is shown (and counted) once it is saved;
 * one that could not be saved is refused, and its end shown as such.
 */
export function withSaving(show: ShowHooks, save: SaveHooks): DebugServerHooks & { readonly onMessage: (message: ReceivedMessage) => Promise<void> } {
  return {
    onMessageStart: (session, info) => { save.onMessageStart(session, info); show.onMessageStart?.(session, info); },
    onMessageData: (session, chunk) => {
      const held = save.onMessageData(session, chunk);
      void show.onMessageData?.(session, chunk);
      return held;
    },
    onMessageEnd: (session, refused, received) => { save.onMessageEnd(session, refused, received); show.onMessageEnd?.(session, refused, received); },
    onMessage: async (message) => {
      await save.onMessage(message);
      show.onMessage(message);
    },
  };
}
