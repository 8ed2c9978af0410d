/**
 * The peer baseline: Redis Streams on this machine, durable as Strata is (appendonly yes, appendfsync always:
 * fsync before the answer). Writes are XADD in pipelines of `perRequest` commands, reads XRANGE `perRequest` at a
 * time, one client, sequential, over a small RESP client on node:net (no dependency). Skipped, with a note, when
 * redis-server is not installed.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { connect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Figures, timed } from "./support.js";

type Reply = Buffer | number | string | null | Reply[] | Error;

/** A minimal RESP2 client: commands out, replies in order; the parser resumes where a chunk ends (linear). */
class Resp {
  private pending: ((r: Reply) => void)[] = [];
  private buf: Buffer = Buffer.alloc(0);
  private stack: { left: number; items: Reply[] }[] = [];

  constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => this.feed(chunk));
  }

  static async open(port: number): Promise<Resp> {
    const socket = connect(port, "127.0.0.1");
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    return new Resp(socket);
  }

  /** Sends the commands in one write; resolves to their replies. */
  pipeline(commands: (string | Uint8Array)[][]): Promise<Reply[]> {
    const parts: Buffer[] = [];
    for (const cmd of commands) {
      parts.push(Buffer.from(`*${cmd.length}\r\n`));
      for (const arg of cmd) {
        const b = typeof arg === "string" ? Buffer.from(arg) : Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength);
        parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from("\r\n"));
      }
    }
    const replies = commands.map(() => new Promise<Reply>((resolve) => this.pending.push(resolve)));
    this.socket.write(Buffer.concat(parts));
    return Promise.all(replies);
  }

  close(): void {
    this.socket.destroy();
  }

  private feed(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let at = 0;
    for (;;) {
      const eol = this.buf.indexOf("\r\n", at);
      if (eol < 0) break;
      const type = this.buf[at]!;
      const line = this.buf.toString("latin1", at + 1, eol);
      let value: Reply | undefined;
      let next = eol + 2;
      if (type === 0x2b /* + */) value = line;
      else if (type === 0x2d /* - */) value = new Error(line);
      else if (type === 0x3a /* : */) value = Number(line);
      else if (type === 0x24 /* $ */) {
        const n = Number(line);
        if (n < 0) value = null;
        else {
          if (next + n + 2 > this.buf.length) break; // the rest of this string comes with the next chunk
          value = this.buf.subarray(next, next + n);
          next += n + 2;
        }
      } else if (type === 0x2a /* * */) {
        const n = Number(line);
        if (n <= 0) value = n < 0 ? null : [];
        else this.stack.push({ left: n, items: [] });
      } else throw new Error(`RESP: unexpected type byte ${type}`);
      at = next;
      while (value !== undefined) {
        const top = this.stack.at(-1);
        if (!top) {
          this.pending.shift()!(value);
          break;
        }
        top.items.push(value);
        if (--top.left > 0) break;
        this.stack.pop();
        value = top.items;
      }
    }
    this.buf = this.buf.subarray(at);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

async function startRedis(dir: string): Promise<{ port: number; proc: ChildProcess }> {
  const port = await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--appendonly", "yes"];
  args.push("--appendfsync", "always", "--save", "", "--daemonize", "no", "--protected-mode", "no");
  const proc = spawn("redis-server", args, { stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    try {
      const c = await Resp.open(port);
      const [pong] = await c.pipeline([["PING"]]);
      c.close();
      if (pong === "PONG") return { port, proc };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  proc.kill();
  throw new Error("redis-server did not start");
}

export type RedisFigures = { produce: Figures; fetch: Figures } | { skipped: string };

/** XADD `requests` pipelines of values.length records, then XRANGE them back values.length at a time. */
export async function benchRedis(requests: number, values: Uint8Array[]): Promise<RedisFigures> {
  if (spawnSync("redis-server", ["--version"]).error) {
    const note = "redis-server not installed: the Redis Streams baseline is skipped (apt-get install redis-server)";
    process.stderr.write(`bench: ${note}\n`);
    return { skipped: note };
  }
  const dir = await mkdtemp(join(tmpdir(), "strata-bench-redis-"));
  const { port, proc } = await startRedis(dir);
  const client = await Resp.open(port);
  try {
    const xadds = values.map((v) => ["XADD", "bench", "*", "v", v]);
    const produce = await timed(requests, async () => {
      const replies = await client.pipeline(xadds);
      const failed = replies.find((r) => r instanceof Error);
      if (failed) throw failed;
      return replies.length;
    });
    let start = "-";
    const fetch = await timed(requests, async () => {
      const [reply] = await client.pipeline([["XRANGE", "bench", start, "+", "COUNT", String(values.length)]]);
      if (!Array.isArray(reply)) throw new Error(`XRANGE: ${String(reply)}`);
      const last = reply.at(-1) as Reply[] | undefined;
      if (last) start = `(${String(last[0])}`;
      return reply.length;
    });
    return { produce, fetch };
  } finally {
    client.close();
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill();
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  }
}
