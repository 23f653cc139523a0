/**
 * Server text shown in errors, traces and the CLI cannot reorder what a terminal shows:
 * Unicode's bidirectional overrides, embeddings and isolates ("Trojan Source",
 * CVE-2021-42574) are escaped as control characters are. Right-to-left text itself, and
 * the marks (U+200E, U+200F), stay as they are.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { escapeControl, SMTPResponseException } from "../../src/errors.js";

const BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"];

test("escapeControl escapes every bidirectional override, embedding and isolate", () => {
  for (const c of BIDI) {
    assert.equal(escapeControl(`a${c}b`), `a\\u${c.charCodeAt(0).toString(16)}b`);
  }
  assert.equal(escapeControl("\u2065\u2029\u2066"), "\u2065\\u2029\\u2066", "the range ends exactly");
  assert.equal(escapeControl("\u2029\u202a\u202e\u202f"), "\\u2029\\u202a\\u202e\u202f");
});

test("right-to-left text and the direction marks stay", () => {
  const text = "\u05e9\u05dc\u05d5\u05dd \u200f\u200e \u0645\u0631\u062d\u0628\u0627";
  assert.equal(escapeControl(text), text);
});

test("a server reply with an override makes an error whose message shows it escaped", () => {
  const err = new SMTPResponseException(550, "user \u202eliame@evil");
  assert.doesNotMatch(err.message, /\u202e/);
  assert.match(err.message, /\\u202eliame@evil/);
  assert.equal(err.smtpError.toString(), "user \u202eliame@evil", "the reply itself is kept");
});
