/**
 * The strata command: topics, produce, consume and groups, in the spirit of kcat and Kafka's console tools.
 * Every failure is one line on stderr and a non-zero exit: 1 for an error from the service or the network, 2 for
 * bad usage. No stack traces: the user cannot act on them.
 */
import { createReadStream, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { Command, CommanderError, Option } from "commander";
import type { GroupDescription, PartitionOffset, ResetTarget, TopicDescription } from "./admin.js";
import type { Auth } from "./auth.js";
import { subscriptionCommands } from "./cli-subscriptions.js";
import type { StartPosition } from "./consumer.js";
import { InvalidInputError, StrataClientError } from "./errors.js";
import { Strata } from "./index.js";
import type { CompressionName } from "./producer.js";
import type { Message, RecordMetadata } from "./records.js";

/** Where the CLI writes; injectable so the commands can be driven in-process. */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  stdin: NodeJS.ReadableStream;
  env: Record<string, string | undefined>;
  stderrIsTTY: boolean;
}

const defaultIo = (): Io => ({
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  stdin: process.stdin,
  env: process.env,
  stderrIsTTY: process.stderr.isTTY === true,
});

class UsageError extends Error {}

/** Runs the CLI; resolves to the exit code. `argv` as in process.argv (node, script, ...args). */
export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed its one line (or the help text)
      return e.exitCode === 0 ? 0 : 2;
    }
    io.err(`strata: ${oneLine(e)}\n`);
    return e instanceof UsageError || e instanceof InvalidInputError ? 2 : 1;
  }
}

function oneLine(e: unknown): string {
  if (e instanceof StrataClientError) {
    const field = typeof e.details.field === "string" ? ` (${e.details.field})` : "";
    return `${e.message}${field}`.replace(/\s+/g, " ");
  }
  if (e instanceof Error) return e.message.replace(/\s+/g, " ");
  return String(e);
}

interface GlobalOptions {
  url?: string;
  token?: string;
  sigv4?: boolean;
  region?: string;
  profile?: string;
  timeout?: number;
}

function buildProgram(io: Io): Command {
  const program = new Command("strata")
    .description("Command-line tool for Strata, the serverless Kafka-style log")
    .option("--url <url>", "the Strata API (default $STRATA_URL or http://127.0.0.1:8080)")
    .option("--token <token>", "bearer token (default $STRATA_TOKEN)")
    .option("--sigv4", "sign requests with AWS SigV4 (IAM-authorized API Gateway)")
    .option("--region <region>", "region for SigV4 (default $AWS_REGION)")
    .option("--profile <profile>", "AWS profile for SigV4 credentials")
    .option("--timeout <ms>", "request timeout in ms", int("--timeout"))
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showSuggestionAfterError(true);
  const client = () => connect(program.opts<GlobalOptions>(), io.env);
  const sub = (cmd: Command) => cmd.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });

  const topics = sub(program.command("topics").description("create, list, describe, alter and delete topics"));
  sub(topics.command("create <topic>"))
    .description("create a topic")
    .option("-p, --partitions <n>", "partition count", int("--partitions"), 1)
    .option("--config <key=value>", "topic config (repeatable)", collect, [])
    .action(async (topic: string, o: { partitions: number; config: string[] }) => {
      const d = await client()
        .admin()
        .createTopic(topic, { partitions: o.partitions, config: pairs(o.config) });
      io.out(`created topic ${d.name} with ${d.partitions.length} partition(s)\n`);
    });
  sub(topics.command("list"))
    .description("list topics")
    .action(async () => {
      for (const t of await client().admin().listTopics()) io.out(`${t}\n`);
    });
  sub(topics.command("describe <topic>"))
    .description("partitions with their bounds, and the topic's config")
    .option("--json", "print JSON")
    .action(async (topic: string, o: { json?: boolean }) => {
      const d = await client().admin().describeTopic(topic);
      io.out(o.json ? `${JSON.stringify(d)}\n` : describeTopicText(d));
    });
  sub(topics.command("alter <topic>"))
    .description("grow partitions or change config")
    .option("-p, --partitions <n>", "new partition count (only grows)", int("--partitions"))
    .option("--config <key=value>", "set a config key (repeatable)", collect, [])
    .option("--delete-config <key>", "reset a config key to its default (repeatable)", collect, [])
    .action(async (topic: string, o: { partitions?: number; config: string[]; deleteConfig: string[] }) => {
      const config: Record<string, string | null> = pairs(o.config);
      for (const k of o.deleteConfig) config[k] = null;
      if (o.partitions === undefined && Object.keys(config).length === 0)
        throw new UsageError("alter: nothing to change (give --partitions, --config or --delete-config)");
      const changes = { ...(o.partitions !== undefined ? { partitions: o.partitions } : {}), config };
      const d = await client().admin().alterTopic(topic, changes);
      io.out(`altered topic ${d.name}: ${d.partitions.length} partition(s)\n`);
    });
  sub(topics.command("delete <topic>"))
    .description("delete a topic")
    .action(async (topic: string) => {
      await client().admin().deleteTopic(topic);
      io.out(`deleted topic ${topic}\n`);
    });

  sub(program.command("produce <topic> [file]"))
    .description("produce one record per line, from stdin or a file")
    .option("-K, --key-separator <sep>", "split each line into key and value at the first <sep>")
    .option("-H, --header <name=value>", "add a header to every record (repeatable)", collect, [])
    .option("-p, --partition <n>", "send every record to this partition", int("--partition"))
    .addOption(
      new Option("-z, --compression <codec>", "batch compression")
        .choices(["none", "gzip", "snappy", "lz4"])
        .default("none"),
    )
    .option("--linger-ms <ms>", "batching delay", int("--linger-ms"), 5)
    .option("--progress", "show a progress bar even when stderr is not a terminal")
    .action(async (topic: string, file: string | undefined, o: ProduceOptions) => {
      await produce(client(), topic, file, o, io);
    });

  sub(program.command("consume <topic>"))
    .description("print records (kcat-style formats or JSON)")
    .option("--from-beginning", "start at the beginning (same as -o beginning)")
    .option("-o, --offset <where>", "beginning | end | OFFSET | s@TIMESTAMP_MS")
    .option("-p, --partition <n>", "only this partition", int("--partition"))
    .option("-g, --group <group>", "consume as a member of this group (commits its offsets)")
    .option("-c, --count <n>", "exit after <n> records", int("--count"))
    .option("-e, --exit", "exit once every partition is read to its end")
    .option("-f, --format <fmt>", "kcat format: %t %p %o %k %s %K %S %T %h %%, \\n \\t", "%s\\n")
    .option("--json", "one JSON object per record")
    .action(async (topic: string, o: ConsumeOptions) => {
      await consume(client(), topic, o, io);
    });

  const groups = sub(program.command("groups").description("list, describe, reset and delete consumer groups"));
  sub(groups.command("list"))
    .description("list groups")
    .action(async () => {
      for (const g of await client().admin().listGroups()) io.out(`${groupName(g)}\n`);
    });
  sub(groups.command("describe <group>"))
    .description("state, members and per-partition lag")
    .option("--json", "print JSON")
    .action(async (group: string, o: { json?: boolean }) => {
      const admin = client().admin();
      const d = await admin.describeGroup(group);
      const offsets = d.offsets ?? (await admin.fetchOffsets(group));
      io.out(o.json ? `${JSON.stringify({ ...d, offsets })}\n` : describeGroupText(d, offsets));
    });
  sub(groups.command("reset-offsets <group>"))
    .description("reset committed offsets (only while the group has no live members)")
    .requiredOption("--to <target>", "earliest | latest | offset:N | timestamp:MS")
    .option("--topic <topic>", "only this topic (repeatable; default all with commits)", collect, [])
    .action(async (group: string, o: { to: string; topic: string[] }) => {
      const r = await client()
        .admin()
        .resetOffsets(group, resetTarget(o.to), o.topic.length > 0 ? o.topic : undefined);
      for (const x of r.offsets) io.out(`${x.topic}\t${x.partition}\t${x.offset}\n`);
    });
  sub(groups.command("delete <group>"))
    .description("delete a group (only when it has no live members)")
    .action(async (group: string) => {
      await client().admin().deleteGroup(group);
      io.out(`deleted group ${group}\n`);
    });
  subscriptionCommands(program, { sub, client, out: io.out });
  return program;
}

// ---------------------------------------------------------------------------------------------------------------
// options

function int(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new UsageError(`${name}: expected a non-negative integer, got "${v}"`);
    return Number(v);
  };
}

const collect = (v: string, previous: string[]) => [...previous, v];

function pairs(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const at = item.indexOf("=");
    if (at <= 0) throw new UsageError(`expected name=value, got "${item}"`);
    out[item.slice(0, at)] = item.slice(at + 1);
  }
  return out;
}

function connect(o: GlobalOptions, env: Record<string, string | undefined>): Strata {
  const url = o.url ?? env.STRATA_URL ?? "http://127.0.0.1:8080";
  try {
    new URL(url);
  } catch {
    throw new UsageError(`--url: not a URL: "${url}"`);
  }
  const token = o.token ?? env.STRATA_TOKEN;
  if (o.sigv4 && token) throw new UsageError("give either --sigv4 or a bearer token, not both");
  let auth: Auth | undefined;
  if (o.sigv4) auth = { type: "sigv4", region: o.region, profile: o.profile };
  else if (token) auth = { type: "bearer", token };
  return new Strata({ url, auth, requestTimeoutMs: o.timeout });
}

function resetTarget(to: string): ResetTarget {
  if (to === "earliest" || to === "latest") return to;
  const m = /^(offset|timestamp):(\d+)$/.exec(to);
  if (!m) throw new UsageError(`--to: earliest, latest, offset:N or timestamp:MS, got "${to}"`);
  return m[1] === "offset" ? { offset: Number(m[2]) } : { timestamp: Number(m[2]) };
}

function groupName(g: unknown): string {
  if (typeof g === "string") return g;
  const o = g as { group?: string; name?: string; groupId?: string };
  return o.group ?? o.name ?? o.groupId ?? JSON.stringify(g);
}

// ---------------------------------------------------------------------------------------------------------------
// tables

function table(rows: (string | number | null)[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === null ? "-" : String(c))));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => `${r.map((c, i) => c.padEnd(widths[i]!)).join("  ")}`.trimEnd() + "\n").join("");
}

function describeTopicText(d: TopicDescription): string {
  let s = `topic ${d.name} (id ${d.id}), ${d.partitions.length} partition(s)\n`;
  s += table([
    ["PARTITION", "LOG-START", "HIGH-WATERMARK"],
    ...d.partitions.map((p) => [p.partition, p.logStartOffset, p.highWatermark]),
  ]);
  s += "config:\n";
  for (const [k, v] of Object.entries(d.config).sort()) s += `  ${k}=${v}\n`;
  return s;
}

function describeGroupText(d: GroupDescription, offsets: PartitionOffset[]): string {
  const owner = new Map<string, string>();
  for (const m of d.members) for (const a of m.assignments) owner.set(`${a.topic}/${a.partition}`, m.memberId);
  let s = `group ${d.group}: state ${d.state}, epoch ${d.groupEpoch}, ${d.members.length} member(s)\n`;
  s += table([
    ["TOPIC", "PARTITION", "COMMITTED", "HIGH-WATERMARK", "LAG", "MEMBER"],
    ...offsets.map((o) => [
      o.topic,
      o.partition,
      o.offset,
      o.highWatermark,
      o.lag,
      owner.get(`${o.topic}/${o.partition}`) ?? null,
    ]),
  ]);
  return s;
}

// ---------------------------------------------------------------------------------------------------------------
// produce

interface ProduceOptions {
  keySeparator?: string;
  header: string[];
  partition?: number;
  compression: CompressionName;
  lingerMs: number;
  progress?: boolean;
}

/** Records in flight at once: enough to fill batches, bounded so a huge file does not sit in memory. */
const MAX_OUTSTANDING = 20_000;

async function produce(strata: Strata, topic: string, file: string | undefined, o: ProduceOptions, io: Io) {
  if (o.keySeparator === "") throw new UsageError("-K: the key separator cannot be empty");
  const headers = Object.entries(pairs(o.header)).map(([name, value]) => ({ name, value }));
  let input: NodeJS.ReadableStream = io.stdin;
  let total = 0;
  if (file !== undefined && file !== "-") {
    try {
      total = statSync(file).size;
    } catch {
      throw new UsageError(`cannot read ${file}: no such file`);
    }
    input = createReadStream(file);
  }
  const progress = file !== undefined && file !== "-" && (io.stderrIsTTY || o.progress === true);
  const bar = progress ? new ProgressBar(total, io.err) : undefined;
  // Check the topic first: a typo should fail before reading a large file.
  await strata.admin().describeTopic(topic);
  const producer = strata.producer({ lingerMs: o.lingerMs, compression: o.compression });
  let outstanding: Promise<RecordMetadata[]>[] = [];
  let count = 0;
  let failure: unknown;
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) {
      bar?.advance(Buffer.byteLength(line) + 1);
      if (failure) break;
      const record = toRecord(line, o, headers);
      const p = producer.send(topic, record);
      p.catch((e) => {
        failure ??= e;
      });
      outstanding.push(p);
      count++;
      if (outstanding.length >= MAX_OUTSTANDING) {
        await Promise.allSettled(outstanding);
        outstanding = [];
      }
    }
    await Promise.allSettled(outstanding);
    await producer.close();
  } finally {
    bar?.done();
  }
  if (failure) throw failure;
  io.err(`produced ${count} record(s) to ${topic}\n`);
}

function toRecord(line: string, o: ProduceOptions, headers: { name: string; value: string }[]) {
  let key: string | null = null;
  let value = line;
  if (o.keySeparator !== undefined) {
    const at = line.indexOf(o.keySeparator);
    if (at >= 0) {
      key = line.slice(0, at);
      value = line.slice(at + o.keySeparator.length);
    }
  }
  return { key, value, headers, ...(o.partition !== undefined ? { partition: o.partition } : {}) };
}

class ProgressBar {
  private done_ = 0;
  private lastDraw = 0;
  constructor(
    private readonly total: number,
    private readonly write: (s: string) => void,
  ) {}
  advance(bytes: number): void {
    this.done_ += bytes;
    const now = Date.now();
    if (now - this.lastDraw >= 100) {
      this.lastDraw = now;
      this.draw();
    }
  }
  done(): void {
    this.done_ = this.total;
    this.draw();
    this.write("\n");
  }
  private draw(): void {
    const fraction = this.total === 0 ? 1 : Math.min(1, this.done_ / this.total);
    const width = 30;
    const filled = Math.round(fraction * width);
    this.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${Math.floor(fraction * 100)}%`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// consume

interface ConsumeOptions {
  fromBeginning?: boolean;
  offset?: string;
  partition?: number;
  group?: string;
  count?: number;
  exit?: boolean;
  format: string;
  json?: boolean;
}

function startPosition(o: ConsumeOptions): StartPosition {
  if (o.fromBeginning && o.offset !== undefined) throw new UsageError("give --from-beginning or -o, not both");
  if (o.fromBeginning) return "earliest";
  const v = o.offset ?? "end";
  if (v === "beginning") return "earliest";
  if (v === "end") return "latest";
  if (/^\d+$/.test(v)) return Number(v);
  const m = /^s@(\d+)$/.exec(v);
  if (m) return { timestamp: Number(m[1]) };
  throw new UsageError(`-o: beginning, end, OFFSET or s@TIMESTAMP_MS, got "${v}"`);
}

async function consume(strata: Strata, topic: string, o: ConsumeOptions, io: Io): Promise<void> {
  const start = startPosition(o);
  if (o.group !== undefined && typeof start !== "string")
    throw new UsageError("with -g, -o takes only beginning or end (where a partition without a commit starts)");
  if (o.count === 0) return;
  const render = o.json ? renderJson : compileFormat(o.format);
  const description = await strata.admin().describeTopic(topic);
  const partitions = description.partitions.map((p) => p.partition);
  if (o.partition !== undefined && !partitions.includes(o.partition))
    throw new UsageError(`-p: topic ${topic} has no partition ${o.partition}`);

  let seen = 0;
  const atEnd = new Set<number>();
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const consumer = strata.consumer({
    groupId: o.group,
    autoOffsetReset: start === "earliest" ? "earliest" : "latest",
    sessionTimeoutMs: 10_000,
    autoCommitIntervalMs: 1000,
    maxWaitMs: o.exit ? 500 : 5000,
    onEndOfPartition: ({ partition }) => {
      atEnd.add(partition);
      const mine = o.group ? consumer.assignment().map((a) => a.partition) : expected;
      if (o.exit && mine.length > 0 && mine.every((p) => atEnd.has(p))) finish();
    },
  });
  const expected = o.partition !== undefined ? [o.partition] : partitions;
  if (o.group) consumer.subscribe({ topics: [topic] });
  else consumer.assign(expected.map((partition) => ({ topic, partition, offset: start })));

  const onSignal = () => finish();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    await consumer.run({
      eachMessage: ({ partition, message }) => {
        if (o.count !== undefined && seen >= o.count) return;
        atEnd.delete(partition);
        io.out(render(topic, partition, message));
        seen++;
        if (o.count !== undefined && seen >= o.count) finish();
      },
    });
    await Promise.race([finished, consumer.stopped()]);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await consumer.close();
  }
  await consumer.stopped();
}

const textDecoder = new TextDecoder("utf-8", { fatal: true });

function asText(b: Buffer | null): { text: string | null; base64: boolean } {
  if (b === null) return { text: null, base64: false };
  try {
    return { text: textDecoder.decode(b), base64: false };
  } catch {
    return { text: b.toString("base64"), base64: true };
  }
}

/** Like the server's JSON fetch: text when the bytes are UTF-8, otherwise base64 listed in `base64`. */
function renderJson(topic: string, partition: number, m: Message): string {
  const base64: string[] = [];
  const field = (name: string, b: Buffer | null) => {
    const t = asText(b);
    if (t.base64) base64.push(name);
    return t.text;
  };
  const out: Record<string, unknown> = {
    topic,
    partition,
    offset: m.offset,
    timestamp: m.timestamp,
    key: field("key", m.key),
    value: field("value", m.value),
    headers: m.headers.map((h, i) => ({ name: h.name, value: field(`headers[${i}]`, h.value) })),
  };
  if (base64.length > 0) out.base64 = base64;
  return `${JSON.stringify(out)}\n`;
}

/** kcat's -f: %t topic, %p partition, %o offset, %k key, %s value, %K/%S their lengths, %T timestamp, %h headers. */
export function compileFormat(format: string): (topic: string, partition: number, m: Message) => string {
  const parts: ((topic: string, partition: number, m: Message) => string)[] = [];
  let literal = "";
  const flush = () => {
    const s = literal;
    if (s) parts.push(() => s);
    literal = "";
  };
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    const next = format[i + 1];
    if (c === "\\" && next !== undefined) {
      const esc: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", "0": "\0" };
      if (esc[next] === undefined) throw new UsageError(`-f: unknown escape \\${next}`);
      literal += esc[next];
      i++;
    } else if (c === "%" && next !== undefined) {
      i++;
      if (next === "%") {
        literal += "%";
        continue;
      }
      flush();
      const field = FORMAT_FIELDS[next];
      if (!field) throw new UsageError(`-f: unknown field %${next}`);
      parts.push(field);
    } else if (c === "%") throw new UsageError("-f: a lone % at the end");
    else literal += c;
  }
  flush();
  return (topic, partition, m) => parts.map((p) => p(topic, partition, m)).join("");
}

const FORMAT_FIELDS: Record<string, (topic: string, partition: number, m: Message) => string> = {
  t: (topic) => topic,
  p: (_, partition) => String(partition),
  o: (_, __, m) => String(m.offset),
  k: (_, __, m) => m.key?.toString() ?? "",
  s: (_, __, m) => m.value?.toString() ?? "",
  K: (_, __, m) => String(m.key?.length ?? -1),
  S: (_, __, m) => String(m.value?.length ?? -1),
  T: (_, __, m) => String(m.timestamp),
  h: (_, __, m) => m.headers.map((h) => `${h.name}=${h.value?.toString() ?? ""}`).join(","),
};
