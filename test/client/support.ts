/**
 * Helpers for the client tests: a real local server on a free loopback port (embedded backend in a temp dir),
 * and a fault-injecting HTTP proxy in front of it that can refuse a request (503, nothing forwarded) or forward it
 * and then cut the connection before the answer reaches the client (a lost acknowledgement: the dangerous case).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningServer, startServer } from "../../lib/server/server.js";

export interface TestServer {
  url: string;
  server: RunningServer;
  close(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), "strata-client-"));
  const server = await startServer({ port: 0, dataDir, closeGraceMs: 200 });
  return {
    url: server.url,
    server,
    close: async () => {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** What the proxy does with one request. */
export type Fault = "pass" | "refuse" | "drop-answer";

export interface FaultProxy {
  url: string;
  /** every request seen, in order: method, path (with query) and what was done */
  log: { method: string; path: string; fault: Fault }[];
  /** decides per request; default pass */
  plan: (req: { method: string; path: string; index: number }) => Fault;
  close(): Promise<void>;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const proxy: FaultProxy = { url: "", log: [], plan: () => "pass", close: async () => {} };
  const server: Server = createServer(async (req, res) => {
    const path = req.url ?? "/";
    const method = req.method ?? "GET";
    const fault = proxy.plan({ method, path, index: proxy.log.length });
    proxy.log.push({ method, path, fault });
    const body = await readAll(req);
    if (fault === "refuse") {
      res.writeHead(503, { "content-type": "application/problem+json" });
      res.end(
        JSON.stringify({
          type: "urn:strata:problem:unavailable",
          title: "Service unavailable",
          status: 503,
          detail: "injected",
        }),
      );
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host") headers[k] = v;
    const upstream = await fetch(target + path, {
      method,
      headers,
      body: method === "GET" || method === "HEAD" ? undefined : body,
    });
    const answer = Buffer.from(await upstream.arrayBuffer());
    if (fault === "drop-answer") {
      // The server applied the request; the client never hears about it.
      req.socket.destroy();
      return;
    }
    const out: Record<string, string> = {};
    upstream.headers.forEach((v, k) => {
      if (k !== "content-length" && k !== "transfer-encoding" && k !== "connection") out[k] = v;
    });
    res.writeHead(upstream.status, out);
    res.end(answer);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

/** Every record of a topic, read straight from the server's JSON fetch (not through the SDK under test). */
export async function readAllRecords(
  url: string,
  topic: string,
): Promise<{ partition: number; offset: number; key: string | null; value: string | null }[]> {
  const d = (await (await fetch(`${url}/v1/topics/${topic}`)).json()) as { partitions: { partition: number }[] };
  const out: { partition: number; offset: number; key: string | null; value: string | null }[] = [];
  for (const { partition } of d.partitions) {
    let offset = 0;
    for (;;) {
      const r = (await (
        await fetch(`${url}/v1/topics/${topic}/partitions/${partition}/records?offset=${offset}&maxRecords=10000`)
      ).json()) as {
        records: { offset: number; key: string | null; value: string | null }[];
        nextOffset: number;
        highWatermark: number;
      };
      for (const rec of r.records) out.push({ partition, offset: rec.offset, key: rec.key, value: rec.value });
      if (r.nextOffset >= r.highWatermark || r.records.length === 0) break;
      offset = r.nextOffset;
    }
  }
  return out;
}
