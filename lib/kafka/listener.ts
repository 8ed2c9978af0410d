/**
 * The Kafka listener: a TCP server speaking Kafka's protocol over the same domain as the HTTP API (lib/strata.ts
 * builds it). It is stateless: every listener answers as the leader of every partition, announcing its own
 * advertised address, so several of them over one aws backend form one cluster.
 *
 * @example
 * const kafka = await startKafkaListener({ strata, host: "127.0.0.1", port: 9092 });
 * console.log(kafka.bootstrap); // 127.0.0.1:9092
 * await kafka.close();
 */
import { createServer, type Server, type Socket } from "node:net";
import type { Strata } from "../strata.js";
import { serveConnection } from "./connection.js";
import { advertised, registry } from "./handlers/index.js";
import type { Broker, Handler, KafkaContext } from "./handlers/types.js";
import { DEFAULT_MAX_FRAME_BYTES } from "./protocol/frame.js";
import { TopicIds } from "./topic-ids.js";

export interface KafkaListenerOptions {
  strata: Pick<Strata, "log" | "records" | "logger">;
  host: string;
  /** 0 picks a free port */
  port: number;
  /** host:port that Metadata announces; default the listening address */
  advertised?: string;
  /** create topics a Metadata request names (Kafka's auto.create.topics.enable); default off */
  autoCreateTopics?: { partitions: number };
  /** default 100 MiB (Kafka's socket.request.max.bytes) */
  maxFrameBytes?: number;
  /** default this module's registry; tests may serve fewer */
  handlers?: Handler[];
}

export interface KafkaListener {
  /** host:port clients bootstrap from (the advertised address) */
  bootstrap: string;
  /** where it listens */
  port: number;
  /** stops accepting and closes every connection */
  close(): Promise<void>;
}

export const CLUSTER_ID = "strata";

export async function startKafkaListener(options: KafkaListenerOptions): Promise<KafkaListener> {
  const reg = registry(options.handlers);
  const sockets = new Set<Socket>();
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const broker = brokerOf(options.advertised, options.host, port);
  const ctx: KafkaContext = {
    log: options.strata.log,
    records: options.strata.records,
    logger: options.strata.logger,
    broker: () => broker,
    clusterId: CLUSTER_ID,
    topicIds: new TopicIds(options.strata.log),
    apis: () => advertised(reg),
    ...(options.autoCreateTopics ? { autoCreateTopics: options.autoCreateTopics } : {}),
  };
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    serveConnection(socket, ctx, reg, { maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES });
  });
  let closing: Promise<void> | undefined;
  return {
    bootstrap: `${broker.host.includes(":") ? `[${broker.host}]` : broker.host}:${broker.port}`,
    port,
    close() {
      closing ??= closeServer(server, sockets);
      return closing;
    },
  };
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const s of sockets) s.destroy();
  });
}

/**
 * The broker this listener announces. Its id is derived from the advertised address, so two listeners behind
 * different addresses never claim the same id, and a restarted one keeps its own.
 */
export function brokerOf(advertisedAddress: string | undefined, host: string, port: number): Broker {
  let h = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  let p = port;
  if (advertisedAddress) {
    const at = advertisedAddress.lastIndexOf(":");
    h = advertisedAddress.slice(0, at).replace(/^\[(.*)\]$/, "$1");
    p = Number(advertisedAddress.slice(at + 1));
  }
  let hash = 0;
  for (const c of `${h}:${p}`) hash = (Math.imul(hash, 31) + c.charCodeAt(0)) | 0;
  return { nodeId: (hash >>> 0) % 1_000_000, host: h, port: p };
}
