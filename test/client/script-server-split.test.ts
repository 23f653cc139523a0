// The scripted server (test/helpers/script-server.ts) compares what the client sends with the
// script as bytes, as they come. It decoded the whole prefix received as UTF-8 at each chunk:
// a character split between two chunks decoded as U+FFFD and was taken for a mismatch (a test
// failing at random, by how TCP cut the bytes), and the decoding made long steps quadratic
// (2.7 MB in 64 KiB chunks: 5.7 s on a loaded machine, past the tests' 5 s client timeout).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { once } from "node:events";
import net from "node:net";
import { startScriptServer } from "../helpers/script-server.js";

test("script server: a UTF-8 character split between two chunks the client sends matches the script", async () => {
  const server = await startScriptServer("S: 220 mx.test\nC: NOOP é\nS: 250 ok");
  const sock = net.connect(server.port, "127.0.0.1");
  sock.on("error", () => undefined);
  try {
    await once(sock, "data"); // the greeting
    const bytes = Buffer.from("NOOP é\r\n", "utf8");
    const cut = bytes.indexOf(0xc3) + 1; // between the two bytes of "é"
    sock.write(bytes.subarray(0, cut));
    // the server has the first part (and has compared it) before the rest is sent
    while (server.received().length < cut) await new Promise((resolve) => setTimeout(resolve, 5));
    sock.write(bytes.subarray(cut));
    await server.done;
    assert.equal(server.received(), "NOOP é\r\n");
  } finally {
    sock.destroy();
    await server.close();
  }
});
