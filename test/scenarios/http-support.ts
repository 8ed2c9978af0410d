/**
 * Helpers for the HTTP scenarios: a real local server (lib/server) on a free loopback port over the
 * embedded backend in a fresh temporary data directory, and a small JSON client.
 */
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { createApp } from "../../lib/api/app.js";
import type { RunningServer, ServerOptions } from "../../lib/server/server.js";

export interface TestServer extends RunningServer {
  dataDir: string;
  /** close and delete the data directory */
  dispose(): Promise<void>;
}

export async function startTestServer(options: ServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "strata-http-")));
  const server = process.env.STRATA_TEST_INTERIM
    ? await startInterim(dataDir)
    : await (await import("../../lib/server/server.js")).startServer({ port: 0, ...options, dataDir });
  return {
    ...server,
    dataDir,
    async dispose() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** INTERIM until lib/storage/data-dir.ts lands: the real log on the real embedded adapters, served like startServer. */
async function startInterim(dataDir: string): Promise<RunningServer> {
  const { createLog } = await import("../../lib/log/log.js");
  const { FsObjectStore } = await import("../../lib/storage/fs-object-store.js");
  const { SqliteLedger } = await import("../../lib/storage/sqlite-ledger.js");
  const ledger = new SqliteLedger({ path: join(dataDir, "ledger.db"), fsync: "never" });
  const log = createLog({ ledger, store: new FsObjectStore({ root: join(dataDir, "objects"), fsync: "never" }) });
  const app = createApp({ log });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    close: async () => {
      (server as import("node:http").Server).closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await log.close();
      await ledger.close();
    },
  };
}

export interface Answer<T = any> {
  status: number;
  headers: Headers;
  body: T;
  contentType: string;
}

/** A JSON client that never throws on status, so tests assert on every answer. */
export function client(baseUrl: string) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body =
        typeof body === "string" || body instanceof Uint8Array ? (body as RequestInit["body"]) : JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    }
    const res = await fetch(`${baseUrl}${path}`, init);
    const contentType = res.headers.get("content-type") ?? "";
    const text = await res.text();
    const parsed = contentType.includes("json") && text ? JSON.parse(text) : text;
    return { status: res.status, headers: res.headers, body: parsed, contentType } as Answer;
  };
  return {
    call,
    get: (path: string, headers?: Record<string, string>) => call("GET", path, undefined, headers),
    post: (path: string, body?: unknown, headers?: Record<string, string>) => call("POST", path, body, headers),
    patch: (path: string, body?: unknown) => call("PATCH", path, body),
    delete: (path: string) => call("DELETE", path),
  };
}

export type Client = ReturnType<typeof client>;

export const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
export const utf8 = (s: string) => new TextEncoder().encode(s);
