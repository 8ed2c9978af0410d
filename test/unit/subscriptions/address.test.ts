/**
 * Which webhook addresses are refused unless private targets are allowed: the table of ranges, and the check at
 * connect time on the address DNS answers (a name that is not "localhost" but resolves to this machine).
 */
import { lookup } from "node:dns/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { isPrivateAddress, isPrivateHost } from "../../../lib/subscriptions/address.js";
import { eventOf } from "../../../lib/subscriptions/event.js";
import { webhookTarget } from "../../../lib/subscriptions/webhook-target.js";

describe("private addresses", () => {
  it("covers loopback, private, link-local, CGNAT, unspecified, multicast and mapped IPv6; not public ones", () => {
    for (const a of [
      "127.0.0.1",
      "127.1.2.3",
      "10.0.0.1",
      "172.16.5.4",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "224.0.0.1",
      "::1",
      "::",
      "fc00::1",
      "fd12:3456::1",
      "fe80::1",
      "::ffff:10.0.0.1",
      "[::1]",
    ]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ["8.8.8.8", "172.32.0.1", "192.169.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8"]) {
      expect(isPrivateAddress(a), a).toBe(false);
    }
    expect(isPrivateHost("localhost")).toBe(true);
    expect(isPrivateHost("api.localhost.")).toBe(true);
    expect(isPrivateHost("example.com")).toBe(false);
  });

  it("refuses at connect time a name that resolves to a private address, and allows it when configured", async () => {
    const name = hostname();
    const resolved = await lookup(name).catch(() => undefined);
    if (!resolved || !isPrivateAddress(resolved.address) || isPrivateHost(name)) {
      console.log(`skipped: ${name} does not resolve to a private address here`);
      return;
    }
    let hits = 0;
    const server = createServer((req, res) => {
      hits++;
      req.resume();
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, resolved.address, r));
    try {
      const url = `http://${name}:${(server.address() as AddressInfo).port}/`;
      const target = { type: "webhook" as const, url, secret: "x".repeat(16), timeoutMs: 2_000 };
      const event = eventOf("s", "g", "t", 0, []);
      const refused = await webhookTarget(target, { allowPrivateTargets: false }).deliver(event);
      expect(refused).toMatchObject({ ok: false, error: expect.stringContaining("private address") });
      expect(hits).toBe(0);
      expect(await webhookTarget(target, { allowPrivateTargets: true }).deliver(event)).toEqual({ ok: true });
      expect(hits).toBe(1);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
