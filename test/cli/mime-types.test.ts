// `send --attach`'s content types past the built-in table: the system's /etc/mime.types, read
// bounded and checked line by line, so that nothing but a well-formed type/subtype can reach
// the Content-Type field, whatever the file holds.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { contentTypeOf } from "../../src/cli/attachment-part.js";
import { parseMimeTypes, readMimeTypes } from "../../src/cli/mime-types.js";
import { withTempDir } from "../helpers/temp-dir.js";

const TABLE = [
  "# comment line",
  "application/vnd.oasis.opendocument.text\t\t\todt",
  "text/plain  txt text   # trailing comment",
  "Image/HEIC HEIC",
  "text/x-second txt",
  "application/x-nothing",
  "text/html; charset=utf-8 htm2",
  "bad type ext",
  "text/plain a\rb",
  "text/evil\r\nBcc: x@y ev",
  "text/x-ok ok bad/ext",
  "",
].join("\n");

test("parseMimeTypes: type then extensions, comments dropped, lower-case, the first line naming an extension wins, malformed lines skipped whole", () => {
  assert.deepEqual([...parseMimeTypes(TABLE)], [
    ["odt", "application/vnd.oasis.opendocument.text"],
    ["txt", "text/plain"],
    ["text", "text/plain"],
    ["heic", "image/heic"],
  ]);
});

test("parseMimeTypes (property): whatever the text, every type is a bare type/subtype (no space, control, ';' or quote) and every extension a plain word", () => {
  const word = fc.constantFrom("text/plain", "a/b", "x", "\r", "\n", "#", ";", " ", "\t", '"', "ext", "é", "/", "Bcc:");
  fc.assert(fc.property(fc.array(fc.oneof(word, fc.string({ unit: "binary", maxLength: 8 })), { maxLength: 40 }), (parts) => {
    for (const [extension, type] of parseMimeTypes(parts.join(""))) {
      assert.match(type, /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/, type);
      assert.match(extension, /^[a-z0-9][a-z0-9_.+-]*$/, extension);
    }
  }), { numRuns: 500 });
});

test("contentTypeOf: the built-in table first (the same everywhere), then the system's, then application/octet-stream; no name of Object's prototype is a type", () => {
  const system = parseMimeTypes("text/x-other txt\napplication/vnd.oasis.opendocument.text odt\ntext/x-proto constructor");
  assert.equal(contentTypeOf("notes.TXT", system), "text/plain");
  assert.equal(contentTypeOf("letter.odt", system), "application/vnd.oasis.opendocument.text");
  assert.equal(contentTypeOf("letter.odt"), "application/octet-stream");
  assert.equal(contentTypeOf("x.unknown", system), "application/octet-stream");
  // a built-in table keyed by a plain object must not answer with Object.prototype's members
  assert.equal(contentTypeOf("a.constructor"), "application/octet-stream");
  assert.equal(contentTypeOf("a.__proto__"), "application/octet-stream");
  assert.equal(contentTypeOf("a.constructor", system), "text/x-proto");
});

test("readMimeTypes: a file's table; none for a missing file; at most 1 MiB read (lines past it are not in the table)", async () => {
  await withTempDir("mime", async (dir) => {
    const small = join(dir, "mime.types");
    await writeFile(small, TABLE);
    assert.equal((await readMimeTypes(small)).get("odt"), "application/vnd.oasis.opendocument.text");
    assert.deepEqual(await readMimeTypes(join(dir, "missing")), new Map());
    const big = join(dir, "big.types");
    await writeFile(big, `text/x-first first\n${"#".repeat(2 * 1024 * 1024)}\ntext/x-late late\n`);
    const table = await readMimeTypes(big);
    assert.deepEqual([...table], [["first", "text/x-first"]]);
  });
});
