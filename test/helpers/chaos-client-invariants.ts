/**
 * The invariants of the client chaos test (test/client/chaos.test.ts), checked on each
 * settled call against what the server recorded.
 */

import { SMTPDataError, SMTPHeloError, SMTPRecipientsRefused, SMTPSenderRefused, SMTPServerDisconnected, type SMTPReply } from "../../src/index.js";
import { unstartedCalls } from "../../src/client/unsent.js";
import { CallAbort, StreamBoom, type Call, type SentReply } from "./chaos-client-model.js";
import type { ChaosServer } from "./chaos-client-server.js";
import { checkLmtpResolved } from "./chaos-lmtp-invariants.js";

/** A reply as text, for a problem's description. */
export function replyOf(code: number, message: string): string {
  return `${code} ${message}`;
}

/** The server's reply with this serial, checked against what a call reports. */
export function checkReply(server: ChaosServer, reported: { code: number; message: string }, want: { verbs: string[]; call: number | null; arg?: string }, used: Set<number>, what: string, problems: string[]): void {
  const m = /#(\d+)$/.exec(reported.message);
  if (!m) {
    problems.push(`${what}: reply ${replyOf(reported.code, reported.message)} was not sent by the server`);
    return;
  }
  const serial = Number(m[1]);
  const sent = server.serials.get(serial);
  if (!sent) {
    problems.push(`${what}: unknown serial ${serial}`);
    return;
  }
  if (used.has(serial)) problems.push(`${what}: reply #${serial} reported by two calls`);
  used.add(serial);
  if (sent.code !== reported.code || sent.lines.join("\n") !== reported.message) {
    problems.push(`${what}: reported ${replyOf(reported.code, reported.message)}, server sent ${replyOf(sent.code, sent.lines.join("\n"))}`);
  }
  if (!want.verbs.includes(sent.verb) || sent.call !== want.call || (want.arg !== undefined && sent.arg !== want.arg)) {
    problems.push(`${what}: reply #${serial} answered ${sent.verb} of call ${sent.call ?? "-"} ${sent.arg ?? ""}, expected ${want.verbs.join("/")} of call ${want.call ?? "-"} ${want.arg ?? ""}`);
  }
}

/** Checks one settled call against what the server recorded; each violation goes to `problems`. */
export function checkCall(server: ChaosServer, call: Call, used: Set<number>, problems: string[], count: (k: string) => void, lmtp = false, chunking = false): void {
  const res = call.settled!;
  const id = call.id;
  const rec = server.calls.get(id);
  const what = `call ${id} (${call.kind}, abort=${call.abort})`;
  if (call.kind === "noop" || call.kind === "rset") {
    if (res.status === "fulfilled") {
      count(`${call.kind} ok`);
      checkReply(server, res.value as SMTPReply, { verbs: [call.kind.toUpperCase()], call: null }, used, what, problems);
    } else if (res.reason instanceof CallAbort) {
      count("foreign abort");
      problems.push(`${what}: rejected with another call's abort (call ${res.reason.id})`);
    } else if (!(res.reason instanceof SMTPServerDisconnected)) {
      problems.push(`${what}: rejected with ${String(res.reason)}`);
    } else count(`${call.kind} disconnected`);
    return;
  }
  const accepted = rec?.accepted ?? 0;
  if (call.variant === "stall") {
    // Its stream never ended: the message can never have been delivered, nor the call resolve.
    if (accepted > 0) problems.push(`${what}: its body stream stalled, yet the server accepted the message`);
    count("stalled stream");
    if (res.status === "fulfilled") {
      problems.push(`${what}: its body stream stalled, yet the call resolved`);
      return;
    }
    // Failed: with a refusal before the body, a timeout, ...: checked as any other failure.
  }
  if (res.status === "fulfilled" && lmtp) {
    count("resolved");
    if (accepted > 1) problems.push(`${what}: resolved but the server accepted it ${accepted} times`);
    if (rec?.acceptedBody && !rec.acceptedBody.equals(call.body)) problems.push(`${what}: the server got a different body`);
    checkLmtpResolved(server, call, res.value, used, what, problems);
    return;
  }
  if (res.status === "fulfilled") {
    count("resolved");
    const value = res.value as Map<string, SMTPReply> | { refused: Map<string, SMTPReply>; delivered: Map<string, SMTPReply>; reply: SMTPReply };
    const refused = value instanceof Map ? value : value.refused;
    if (accepted !== 1) problems.push(`${what}: resolved (refused ${[...refused.keys()].join(",") || "none"}) but the server accepted it ${accepted} times`);
    if (rec?.acceptedBody && !rec.acceptedBody.equals(call.body)) {
      problems.push(`${what}: the server got a different body (${rec.acceptedBody.length} bytes, sent ${call.body.length})`);
    }
    if (rec?.declaredSize !== undefined && rec.declaredSize !== call.body.length) {
      problems.push(`${what}: SIZE=${rec.declaredSize} for a ${call.body.length}-byte message`);
    }
    // Exactly the recipients the server refused.
    const serverRefused = new Map<string, SentReply>();
    const serverAccepted = new Set<string>();
    for (const sent of server.serials.values()) {
      if (sent.verb !== "RCPT" || sent.call !== id || sent.arg === undefined) continue;
      if (sent.code === 250 || sent.code === 251) serverAccepted.add(sent.arg);
      else serverRefused.set(sent.arg, sent);
    }
    const got = [...refused.keys()].sort().join(",");
    const want = [...serverRefused.keys()].sort().join(",");
    if (got !== want) problems.push(`${what}: reported refused [${got}], server refused [${want}]`);
    for (const [addr, reply] of refused) checkReply(server, reply, { verbs: ["RCPT"], call: id, arg: addr }, used, `${what} refused ${addr}`, problems);
    if (!(value instanceof Map)) {
      const delivered = [...value.delivered.keys()].sort().join(",");
      if (delivered !== [...serverAccepted].sort().join(",")) problems.push(`${what}: reported delivered [${delivered}], server accepted [${[...serverAccepted].sort().join(",")}]`);
      checkReply(server, value.reply, { verbs: [".", "BDAT LAST"], call: id }, used, `${what} final reply`, problems);
    }
    return;
  }
  const err = res.reason;
  if (err instanceof StreamBoom) {
    count("stream failed");
    if (call.kind !== "stream-error" || err.id !== id) problems.push(`${what}: rejected with another call's stream error (call ${err.id})`);
    if (accepted > 0) problems.push(`${what}: its body stream failed, yet the server accepted the message`);
    return;
  }
  if (call.kind === "stream-error" && accepted > 0) problems.push(`${what}: its body stream failed, yet the server accepted the message`);
  const ownAbort = err instanceof CallAbort && err.id === id;
  if (err instanceof CallAbort && !ownAbort) {
    problems.push(`${what}: rejected with another call's abort (call ${err.id}); server accepted it ${accepted} time(s)`);
    count("foreign abort");
    return;
  }
  if (ownAbort) {
    count("aborted");
    // Aborted when the server read its RCPT or DATA, with DATA (no BDAT): the client could
    // not have written the message (it waits for the 354), so the transaction was half
    // written, the connection closed, and the message never delivered.
    if ((call.abort === "rcpt" || call.abort === "data") && !chunking && accepted > 0) {
      problems.push(`${what}: aborted at the server's ${call.abort.toUpperCase()} (event ${call.abortedAt}), yet the server accepted the message`);
    }
    // An abort that came before the server saw anything of the call must mean it never
    // goes out (queued) or the connection closes (started): it is never delivered.
    // ("pre" aborts right after the call was made: a call that starts at once has written
    // its transaction by then, so its outcome is unknown.)
    if (call.abort !== "pre" && accepted > 0 && call.abortedAt !== undefined && (rec!.mailSeenAt < 0 || rec!.mailSeenAt > call.abortedAt)) {
      problems.push(`${what}: reported aborted (abort at server event ${call.abortedAt}), yet its MAIL came later (event ${rec!.mailSeenAt}) and the server accepted it`);
    }
    return;
  }
  if (err instanceof SMTPServerDisconnected) {
    count(unstartedCalls.has(err) ? "unstarted" : "disconnected");
    if (unstartedCalls.has(err) && rec && rec.mailCount > 0) problems.push(`${what}: reported as never started (${err.message}) but the server got its MAIL`);
    // The server got the message: a caller who retried would send it twice; the error must say it may have been delivered.
    if (accepted > 0 && !/may have been delivered/.test(err.message)) problems.push(`${what}: the server accepted it, and the call failed with "${err.message}", which does not say it may have been delivered`);
    return;
  }
  if (accepted > 0) {
    problems.push(`${what}: the server accepted it but the call failed with ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  }
  if (err instanceof SMTPSenderRefused) {
    count("sender refused");
    checkReply(server, { code: err.smtpCode, message: err.smtpError }, { verbs: ["MAIL"], call: id }, used, `${what} SMTPSenderRefused`, problems);
    if (err.sender !== `s${id}@x.test`) problems.push(`${what}: SMTPSenderRefused.sender is ${err.sender}`);
    return;
  }
  if (err instanceof SMTPRecipientsRefused) {
    count("recipients refused");
    if (err.recipients.size === 0) problems.push(`${what}: SMTPRecipientsRefused with no recipient`);
    for (const [addr, reply] of err.recipients) {
      checkReply(server, reply, { verbs: lmtp ? ["RCPT", ".", "BDAT LAST"] : ["RCPT"], call: id, arg: addr }, used, `${what} SMTPRecipientsRefused ${addr}`, problems);
    }
    return;
  }
  if (err instanceof SMTPHeloError) {
    count("helo error");
    checkReply(server, { code: err.smtpCode, message: err.smtpError }, { verbs: ["EHLO"], call: null }, used, `${what} SMTPHeloError`, problems);
    return;
  }
  if (err instanceof SMTPDataError) {
    count("data error");
    checkReply(server, { code: err.smtpCode, message: err.smtpError }, { verbs: ["DATA", ".", "BDAT", "BDAT LAST"], call: id }, used, `${what} SMTPDataError`, problems);
    return;
  }
  problems.push(`${what}: rejected with unexpected ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
}
