// The Markdown and shell reading that the README test relies on.
import assert from "node:assert/strict";
import { test } from "node:test";
import { codeBlocks, codeSpans, shellCommands } from "./markdown.js";

test("shellCommands: words, quotes, pipes, redirections, process substitution, comments", () => {
  assert.deepEqual(shellCommands("npx smtplib send --server h:25 --from a@x --to b@y < message.eml"),
    [["npx", "smtplib", "send", "--server", "h:25", "--from", "a@x", "--to", "b@y"]]);
  assert.deepEqual(shellCommands(`printf 'u:p\\n' | smtplib serve --auth-file /dev/stdin`),
    [["printf", "u:p\\n"], ["smtplib", "serve", "--auth-file", "/dev/stdin"]]);
  assert.deepEqual(shellCommands(`smtplib send --from "Jörg <j@x.test>" --ca-file <(cat ca.pem) 2>&1 >out.log && echo ok; npm test   # all`),
    [["smtplib", "send", "--from", "Jörg <j@x.test>", "--ca-file", "/dev/fd/63"], ["echo", "ok"], ["npm", "test"]]);
  assert.deepEqual(shellCommands("# only a comment"), []);
  assert.throws(() => shellCommands("echo 'unclosed"), /unclosed quote/);
});

test("codeBlocks and codeSpans: language, heading, line numbers; spans outside fences only", () => {
  const md = "# Title\n\nText `a span` here.\n\n## Part\n\n```ts\nconst x = `not a span`;\n```\n\n```\nplain\n```\n";
  assert.deepEqual(codeBlocks(md), [
    { lang: "ts", heading: "Part", line: 8, code: "const x = `not a span`;\n" },
    { lang: "", heading: "Part", line: 12, code: "plain\n" },
  ]);
  assert.deepEqual(codeSpans(md), [{ line: 3, text: "a span" }]);
  assert.throws(() => codeBlocks("```sh\nnever closed\n"), /never closed/);
});
