/**
 * Helpers for the HTTP scenarios: a real local server (lib/server) on a free loopback port over the
 * embedded backend in a fresh temporary data directory, and a small JSON client.
 */

import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningServer, type ServerOptions, startServer } from "../../lib/server/server.js";

export interface TestServer extends RunningServer {
  dataDir: string;
  /** close and delete the data directory */
  dispose(): Promise<void>;
}

export async function startTestServer(options: ServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "strata-http-")));
  const server = await startServer({ port: 0, ...options, dataDir });
  return {
    ...server,
    dataDir,
    async dispose() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: JSON answers of any shape; the tests assert on them
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

export interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of any shape; the tests assert on them
  body: any;
}

/** One request with exactly these headers (Host included), and a body sent as is (no Content-Type added). */
export function sendRaw(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        const json = (res.headers["content-type"] ?? "").includes("json") && text;
        resolve({ status: res.statusCode!, headers: res.headers, body: json ? JSON.parse(text) : text });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}
