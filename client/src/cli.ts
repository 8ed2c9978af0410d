/**
 * The strata command: topics, produce, consume and groups, in the spirit of kcat and Kafka's console tools.
 * Exit codes (docs/CLIENT.md): 0 done; 1 an error from the service or the network, or input that does not read;
 * 2 bad usage (an unknown command or option, a bad option value). Every failure is one line on stderr, never a
 * stack trace: the user cannot act on one. The commands' work is in cli-*.ts; this file is the command line.
 */
import { Command, CommanderError, Option } from "commander";
import pkg from "../package.json" with { type: "json" };
import type { GroupDescription, PartitionOffset, TopicDescription } from "./admin.js";
import type { Auth } from "./auth.js";
import { type ConsumeOptions, consume } from "./cli-consume.js";
import { produce } from "./cli-produce.js";
import { type PlanRow, parseResetSpec, parseScopes, planReset, type ResetFlags } from "./cli-reset.js";
import { subscriptionCommands } from "./cli-subscriptions.js";
import { UsageError } from "./cli-time.js";
import { CODEC_BY_NAME } from "./codec.js";
import { InvalidInputError, ProblemError, StrataClientError } from "./errors.js";
import { Strata } from "./index.js";
import type { CompressionName } from "./producer.js";
import type { Message } from "./records.js";

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
    .version(pkg.version, "-V, --version", "print the version")
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
  const json = (value: unknown) => io.out(`${JSON.stringify(value)}\n`);

  const topics = sub(program.command("topics").description("create, list, describe, alter and delete topics"));
  sub(topics.command("create <topic>"))
    .description("create a topic")
    .option("-p, --partitions <n>", "partition count", int("--partitions"), 1)
    .option("--config <key=value>", "topic config (repeatable)", collect, [])
    .option("--if-not-exists", "succeed without change when the topic exists")
    .action(async (topic: string, o: { partitions: number; config: string[]; ifNotExists?: boolean }) => {
      try {
        const d = await client()
          .admin()
          .createTopic(topic, { partitions: o.partitions, config: pairs(o.config) });
        io.out(`created topic ${d.name} with ${d.partitions.length} partition(s)\n`);
      } catch (e) {
        if (!(o.ifNotExists && e instanceof ProblemError && e.code === "topic-exists")) throw e;
        io.out(`topic ${topic} already exists\n`);
      }
    });
  sub(topics.command("list"))
    .description("list topics")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const names = await client().admin().listTopics();
      if (o.json) json({ topics: names });
      else for (const t of names) io.out(`${t}\n`);
    });
  sub(topics.command("describe <topic>"))
    .description("partitions with their bounds, and the topic's config")
    .option("--json", "print JSON")
    .action(async (topic: string, o: { json?: boolean }) => {
      const d = await client().admin().describeTopic(topic);
      if (o.json) json(d);
      else io.out(describeTopicText(d));
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
  sub(topics.command("delete-records <topic>"))
    .description("delete the records before an offset (the log start moves there), like kafka-delete-records")
    .requiredOption("--before <offset>", "OFFSET, or end (every record now in the partition)")
    .option("-p, --partition <n>", "only this partition (default every one)", int("--partition"))
    .option("--json", "print JSON")
    .action(async (topic: string, o: { before: string; partition?: number; json?: boolean }) => {
      if (o.before !== "end" && !/^\d+$/.test(o.before))
        throw new UsageError(`--before: an offset or end, got "${o.before}"`);
      const before = o.before === "end" ? -1 : Number(o.before);
      const admin = client().admin();
      const all = (await admin.describeTopic(topic)).partitions.map((p) => p.partition);
      if (o.partition !== undefined && !all.includes(o.partition))
        throw new UsageError(`-p: topic ${topic} has no partition ${o.partition}`);
      const results = [];
      for (const p of o.partition !== undefined ? [o.partition] : all)
        results.push(await admin.deleteRecords(topic, p, before));
      if (o.json) json({ topic, partitions: results });
      else io.out(table([["PARTITION", "LOG-START"], ...results.map((r) => [r.partition, r.lowWatermark])]));
    });

  sub(program.command("produce <topic> [file]"))
    .description("produce records from stdin or a file: lines (default), -D delimited, JSON lines or base64")
    .option("-K, --key-separator <sep>", "split each record into key and value at the first <sep>")
    .option("-D, --delimiter <delim>", "records end at <delim> instead of a newline (\\n \\t \\0 escapes)")
    .option("--json", "each record is a JSON object {key, value, headers, partition, timestamp, base64}")
    .option("--base64", "each record (key and value with -K) is base64")
    .option("-H, --header <name=value>", "add a header to every record (repeatable)", collect, [])
    .option("-p, --partition <n>", "send every record to this partition", int("--partition"))
    .addOption(
      new Option("-z, --compression <codec>", "batch compression").choices(Object.keys(CODEC_BY_NAME)).default("none"),
    )
    .option("--linger-ms <ms>", "batching delay", int("--linger-ms"), 5)
    .option("--progress", "show a progress bar even when stderr is not a terminal")
    .action(async (topic: string, file: string | undefined, o: ProduceFlags) => {
      const headers = Object.entries(pairs(o.header)).map(([name, value]) => ({ name, value }));
      const delimiter = o.delimiter === undefined ? undefined : unescaped(o.delimiter, "-D");
      await produce(client(), topic, file, { ...o, headers, delimiter, compression: o.compression }, io);
    });

  sub(program.command("consume <topic...>"))
    .description("print records (kcat-style formats or JSON); several topics read together (with -g, as one member)")
    .option("--from-beginning", "start at the beginning (same as -o beginning)")
    .option(
      "-o, --offset <where>",
      "beginning | end | OFFSET | -N (the last N per partition) | s@TIME (start) | e@TIME (stop before); TIME is ms or ISO 8601; repeatable for s@ with e@",
      collect,
      [],
    )
    .option("--ago <duration>", "start at the first record of the last <duration> (1h, 15m, 1h30m, PT2H)")
    .option("-p, --partition <n>", "only this partition", int("--partition"))
    .option("-g, --group <group>", "consume as a member of this group (commits its offsets)")
    .option("-c, --count <n>", "exit after <n> records", int("--count"))
    .option("-e, --exit", "exit once every partition is read to its end")
    .option("-f, --format <fmt>", "kcat format: %t %p %o %k %s %K %S %T %h %%, \\n \\t", "%s\\n")
    .option("--json", "one JSON object per record")
    .action(async (names: string[], o: ConsumeFlags) => {
      const render = o.json ? renderJson : compileFormat(o.format);
      await consume(client(), names, o, render, io.out);
    });

  const groups = sub(program.command("groups").description("list, describe, reset and delete consumer groups"));
  sub(groups.command("list"))
    .description("list groups")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const list = await client().admin().listGroups();
      if (o.json) json({ groups: list });
      else for (const g of list) io.out(`${groupName(g)}\n`);
    });
  sub(groups.command("describe <group>"))
    .description("state, members and per-partition lag")
    .option("--json", "print JSON")
    .action(async (group: string, o: { json?: boolean }) => {
      const admin = client().admin();
      const d = await admin.describeGroup(group);
      const offsets = d.offsets ?? (await admin.fetchOffsets(group));
      if (o.json) json({ ...d, offsets });
      else io.out(describeGroupText(d, offsets));
    });
  sub(groups.command("reset-offsets <group>"))
    .description("plan a reset of committed offsets and print it; --execute applies it (no live members allowed)")
    .option("--to-earliest", "the log start")
    .option("--to-latest", "the high watermark")
    .option("--to-offset <n>", "this offset (clamped to the partition's bounds)")
    .option("--to-datetime <time>", "the first record at or after TIME (ISO 8601 or ms)")
    .option("--by-duration <duration>", "the first record at or after now minus DURATION (1h, PT1H)")
    .option("--shift-by <n>", "the committed offset plus n (negative goes back)")
    .option(
      "--topic <topic[:p,p]>",
      "only this topic, or these partitions (repeatable; default all with commits)",
      collect,
      [],
    )
    .option("--execute", "apply the plan (without it nothing changes)")
    .option("--json", "print JSON")
    .action(async (group: string, o: ResetFlags & { topic: string[]; execute?: boolean; json?: boolean }) => {
      const spec = parseResetSpec(o);
      const scopes = parseScopes(o.topic);
      const admin = client().admin();
      const plan = await planReset(admin, group, spec, scopes);
      if (o.execute && plan.length > 0)
        await admin.commitOffsets(
          group,
          plan.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
        );
      if (o.json) json({ group, executed: o.execute === true, offsets: plan });
      else io.out(planText(plan));
      if (!o.execute) io.err("dry run: nothing changed; add --execute to apply this plan\n");
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

interface ProduceFlags {
  keySeparator?: string;
  delimiter?: string;
  json?: boolean;
  base64?: boolean;
  header: string[];
  partition?: number;
  compression: CompressionName;
  lingerMs: number;
  progress?: boolean;
}

interface ConsumeFlags extends ConsumeOptions {
  format: string;
  json?: boolean;
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

/** -D's escapes: \\n \\t \\r \\0 \\\\ (a shell passes them literally). */
function unescaped(text: string, option: string): string {
  const esc: Record<string, string> = { n: "\n", t: "\t", r: "\r", "0": "\0", "\\": "\\" };
  return text.replace(/\\(.?)/g, (_, c: string) => {
    if (esc[c] === undefined) throw new UsageError(`${option}: unknown escape \\${c}`);
    return esc[c];
  });
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

function planText(plan: PlanRow[]): string {
  if (plan.length === 0) return "no partitions to reset (the group has no commits; name them with --topic)\n";
  return table([
    ["TOPIC", "PARTITION", "CURRENT-OFFSET", "NEW-OFFSET"],
    ...plan.map((r) => [r.topic, r.partition, r.current, r.offset]),
  ]);
}

// ---------------------------------------------------------------------------------------------------------------
// consume output

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
