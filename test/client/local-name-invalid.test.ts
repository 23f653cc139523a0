/**
 * The EHLO name computed from this host (no `localHostname`) is sent only when it is a
 * valid fully qualified domain (RFC 5321 §4.1.4); otherwise the address literal of this end
 * of the connection. Here the host's name has a space, which would split the EHLO
 * argument in two on the wire. `os.hostname` is replaced for this file's process (the name
 * is computed once per process).
 */

import os from "node:os";
import { after, describe, it } from "node:test";
import { withScript } from "../helpers/client.js";

const realHostname = os.hostname;
os.hostname = () => "my host.example";
after(() => { os.hostname = realHostname; });

describe("a computed host name that is not a domain", () => {
  it("EHLO gives the connection's local address as a literal, never the name", async () => {
    const script = "S: 220 mx.test ESMTP\nC: EHLO [127.0.0.2]\nS: 250 mx.test\nC: NOOP\nS: 250 ok\n";
    await withScript(script, async (client) => {
      await client.ehlo();
      await client.noop();
    }, { localHostname: undefined, sourceAddress: { host: "127.0.0.2" } });
  });
});
