/**
 * Helpers for the Kafka scenarios: the real server (HTTP and Kafka listener, both on free ports) over a backend of
 * test/support/backends.ts, and a raw Kafka client made of this project's codec, for the protocol edges no
 * off-the-shelf client exercises on purpose (bad frames, pipelining, idempotence errors).
 */
import { connect, type Socket } from "node:net";
import { decodeResponse, encodeRequest } from "../../lib/kafka/protocol/codec.js";
import { FrameReader } from "../../lib/kafka/protocol/frame.js";
import type { ApiSpec, Struct } from "../../lib/kafka/protocol/schema.js";
import { type RunningServer, type ServerOptions, startServer } from "../../lib/server/server.js";
import type { Backend, TestStorage } from "../support/backends.js";
import { type Client, client } from "./http-support.js";

export interface KafkaTestServer extends RunningServer {
  bootstrap: string;
  api: Client;
  dispose(): Promise<void>;
}

export async function startKafkaServer(backend: Backend, options: ServerOptions = {}): Promise<KafkaTestServer> {
  const storage: TestStorage = await backend.open();
  const server = await startServer({
    port: 0,
    kafkaPort: 0,
    maintenanceIntervalMs: 0,
    strata: { storage: { backend: "opened", storage: { ledger: storage.ledger, store: storage.store } } },
    ...options,
  });
  return {
    ...server,
    bootstrap: server.kafka!.bootstrap,
    api: client(server.url),
    async dispose() {
      await server.close();
      await storage.cleanup();
    },
  };
}

let seq = 0;
export const topicName = (prefix = "k") => `${prefix}-${process.pid}-${Date.now().toString(36)}-${seq++}`;

/** One raw connection: send frames, read response frames in order, see when the server closes it. */
export class RawKafka {
  private readonly frames = new FrameReader();
  private readonly received: Uint8Array[] = [];
  private waiters: (() => void)[] = [];
  private correlation = 100;
  closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk) => {
      this.received.push(...this.frames.push(chunk));
      this.wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
    socket.on("error", () => {});
  }

  static async open(bootstrap: string): Promise<RawKafka> {
    const at = bootstrap.lastIndexOf(":");
    const socket = connect(Number(bootstrap.slice(at + 1)), bootstrap.slice(0, at));
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    return new RawKafka(socket);
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  write(bytes: Uint8Array) {
    this.socket.write(bytes);
  }

  frame(spec: ApiSpec, version: number, body: Struct, correlationId = this.correlation++): Uint8Array {
    return encodeRequest(spec, { apiKey: spec.apiKey, apiVersion: version, correlationId, clientId: "raw" }, body);
  }

  /** The next response frame's payload, or undefined once the server closed the connection. */
  async next(timeoutMs = 20_000): Promise<Uint8Array | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length === 0) {
      if (this.closed) return undefined;
      if (Date.now() > deadline) throw new Error("no response in time");
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
    return this.received.shift();
  }

  async call(spec: ApiSpec, version: number, body: Struct): Promise<Struct> {
    const correlationId = this.correlation++;
    this.write(this.frame(spec, version, body, correlationId));
    const payload = await this.next();
    if (!payload) throw new Error("connection closed");
    const answer = decodeResponse(spec, version, payload);
    if (answer.correlationId !== correlationId)
      throw new Error(`correlation ${answer.correlationId} != ${correlationId}`);
    return answer.body;
  }

  /** Resolves once the server has closed the connection (or rejects after the timeout). */
  async whenClosed(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error("still open");
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close() {
    this.socket.destroy();
  }
}
