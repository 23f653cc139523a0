// The interop suite's OAuth 2.0 token introspection endpoint (RFC 7662 §2), which Dovecot's
// oauth2 passdb asks (introspection_mode = post) whether the bearer token of an XOAUTH2 or
// OAUTHBEARER login is valid. One fixed test token is active for one user; every other token
// is inactive. Started by run.sh, in the foreground, on 127.0.0.1 only:
//
//   node introspection.mjs PORT TOKEN USER LOG
//
// LOG gets one line per request, naming the outcome but never the token. Without arguments
// (node's test runner may load any file under test/) it does nothing.
import { appendFileSync } from "node:fs";
import { createServer } from "node:http";
import { URLSearchParams } from "node:url";

const [port, token, user, logFile] = process.argv.slice(2);

function log(line) {
  appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
}

function answer(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** The token of an introspection request: the form field `token` (post) or the Bearer header (auth). */
function tokenOf(req, body) {
  if (req.method === "POST") {
    const fields = new URLSearchParams(body);
    if (fields.has("token")) return fields.get("token");
  }
  const m = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "");
  return m === null ? undefined : m[1];
}

if (port !== undefined) {
  if (token === undefined || user === undefined || logFile === undefined) {
    console.error("usage: node introspection.mjs PORT TOKEN USER LOG");
    process.exit(2);
  }
  const server = createServer((req, res) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size <= 65536) chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > 65536) {
        log(`${req.method} ${req.url}: body over 64 KiB, 413`);
        answer(res, 413, { error: "invalid_request" });
        return;
      }
      const given = tokenOf(req, Buffer.concat(chunks).toString("utf8"));
      if (req.url !== "/introspect" || given === undefined) {
        log(`${req.method} ${req.url}: no token, 400`);
        answer(res, 400, { error: "invalid_request" });
        return;
      }
      const active = given === token;
      log(`${req.method} ${req.url}: ${active ? `active, username ${user}` : `inactive (a token of ${given.length} characters)`}`);
      answer(res, 200, active ? { active: true, username: user, scope: "mail", token_type: "Bearer" } : { active: false });
    });
  });
  server.listen(Number(port), "127.0.0.1", () => log(`listening on 127.0.0.1:${port}`));
  // Dovecot's HTTP client keeps its connection open: no waiting for it on the way out.
  for (const signal of ["SIGTERM", "SIGINT"]) process.once(signal, () => process.exit(0));
}
