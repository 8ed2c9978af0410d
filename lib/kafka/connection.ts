/**
 * One client connection: frames in, responses out, in request order. Requests are handled one at a time, as a
 * Kafka broker does per connection (an idempotent producer's pipelined batches must commit in sequence order),
 * while further frames queue (the socket pauses when too many wait).
 *
 * An unknown API or unsupported version: ApiVersions is answered in its v0 shape with UNSUPPORTED_VERSION and
 * the supported list (clients then retry with a version from it); any other request closes the connection, as a
 * Kafka broker does. A malformed or oversized frame closes this connection alone, with one log line.
 */
import type { Socket } from "node:net";
import { KafkaError } from "./errors.js";
import { advertised, type Registry } from "./handlers/index.js";
import { CloseConnection, type KafkaContext } from "./handlers/types.js";
import {
  API_VERSIONS_KEY,
  encodeResponse,
  type RequestHeader,
  readRequestBody,
  readRequestHeader,
} from "./protocol/codec.js";
import { FrameReader } from "./protocol/frame.js";
import { ApiVersions } from "./protocol/messages/api-versions.js";
import { ProtocolError, Reader } from "./protocol/primitives.js";
import { inRange } from "./protocol/schema.js";

/** frames queued beyond this pause reading from the socket */
const MAX_QUEUED_FRAMES = 64;

export interface ConnectionOptions {
  maxFrameBytes: number;
}

export function serveConnection(
  socket: Socket,
  ctx: KafkaContext,
  reg: Registry,
  options: ConnectionOptions,
): { done: Promise<void> } {
  const frames = new FrameReader(options.maxFrameBytes);
  const queue: Uint8Array[] = [];
  const peer = `${socket.remoteAddress}:${socket.remotePort}`;
  const logger = ctx.logger.child({ component: "kafka", peer });
  let working = false;
  let closed = false;

  const close = (level: "warn" | "info", reason: string, fields: Record<string, unknown> = {}) => {
    if (closed) return;
    closed = true;
    queue.length = 0;
    logger[level](fields, `closing connection: ${reason}`);
    socket.destroy();
  };

  const pump = async () => {
    if (working) return;
    working = true;
    try {
      while (!closed && queue.length > 0) {
        const frame = queue.shift()!;
        if (socket.isPaused() && queue.length < MAX_QUEUED_FRAMES / 2) socket.resume();
        const response = await handleFrame(frame);
        if (closed) return;
        if (response) {
          socket.cork();
          for (const chunk of response) socket.write(chunk);
          socket.uncork();
        }
      }
    } finally {
      working = false;
    }
  };

  const handleFrame = async (frame: Uint8Array): Promise<Uint8Array[] | undefined> => {
    const r = new Reader(frame);
    let header: RequestHeader;
    try {
      header = readRequestHeader(r);
    } catch (e) {
      close("warn", "malformed request header", { error: (e as Error).message });
      return undefined;
    }
    const handler = reg.get(header.apiKey);
    const versions = handler ? (handler.versions ?? handler.spec.versions) : undefined;
    if (!handler || !versions || !inRange(versions, header.apiVersion)) {
      if (header.apiKey === API_VERSIONS_KEY) {
        // KIP-511: answer in v0's shape, with the supported list, so the client can pick a version
        return encodeResponse(ApiVersions, 0, header.correlationId, {
          errorCode: KafkaError.UNSUPPORTED_VERSION,
          apiKeys: advertised(reg),
        });
      }
      close("warn", "unsupported API or version", { apiKey: header.apiKey, apiVersion: header.apiVersion });
      return undefined;
    }
    let body: Record<string, unknown>;
    try {
      body = readRequestBody(r, handler.spec, header.apiVersion);
    } catch (e) {
      close("warn", "malformed request", {
        api: handler.spec.name,
        apiVersion: header.apiVersion,
        error: (e as Error).message,
      });
      return undefined;
    }
    try {
      const answer = await handler.handle(ctx, body, header);
      if (answer === undefined) return undefined;
      return encodeResponse(handler.spec, header.apiVersion, header.correlationId, answer);
    } catch (e) {
      if (e instanceof CloseConnection) close("info", e.message, { api: handler.spec.name });
      else {
        close("warn", "request failed", {
          api: handler.spec.name,
          apiVersion: header.apiVersion,
          code: (e as { code?: string }).code ?? "INTERNAL",
          err: e,
        });
      }
      return undefined;
    }
  };

  socket.setNoDelay(true);
  socket.on("data", (chunk: Buffer) => {
    if (closed) return;
    let complete: Uint8Array[];
    try {
      complete = frames.push(chunk);
    } catch (e) {
      close("warn", e instanceof ProtocolError ? e.message : "bad frame");
      return;
    }
    if (complete.length === 0) return;
    queue.push(...complete);
    if (queue.length >= MAX_QUEUED_FRAMES) socket.pause();
    void pump();
  });
  const done = new Promise<void>((resolve) => {
    socket.on("close", () => {
      closed = true;
      queue.length = 0;
      resolve();
    });
  });
  socket.on("error", () => {
    // reset by the peer and the like: the close event follows
  });
  return { done };
}
