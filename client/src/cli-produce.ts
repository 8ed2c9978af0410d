/**
 * `strata produce TOPIC [FILE]`: records from stdin or FILE (split and read by cli-input.ts) sent through the SDK
 * producer, a bounded number in flight, with a progress bar for files. A record that does not read stops the input:
 * the records before it are still sent, and the error names the record.
 */
import { createReadStream, statSync } from "node:fs";
import { type InputOptions, parseRecord, split } from "./cli-input.js";
import { UsageError } from "./cli-time.js";
import type { Strata } from "./index.js";
import type { CompressionName } from "./producer.js";
import type { Bytes, HeadersInput, RecordMetadata } from "./records.js";

export interface ProduceOptions extends InputOptions {
  headers: { name: string; value: string }[];
  partition?: number;
  compression: CompressionName;
  lingerMs: number;
  progress?: boolean;
}

export interface ProduceIo {
  err: (s: string) => void;
  stdin: NodeJS.ReadableStream;
  stderrIsTTY: boolean;
}

/** Records in flight at once: enough to fill batches, bounded so a huge file does not sit in memory. */
const MAX_OUTSTANDING = 20_000;

export async function produce(
  strata: Strata,
  topic: string,
  file: string | undefined,
  o: ProduceOptions,
  io: ProduceIo,
): Promise<void> {
  if (o.keySeparator === "") throw new UsageError("-K: the key separator cannot be empty");
  if (o.delimiter === "") throw new UsageError("-D: the delimiter cannot be empty");
  if (o.json && (o.base64 || o.keySeparator !== undefined))
    throw new UsageError("--json: the key is a field of each object (no -K, no --base64)");
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
  try {
    for await (const { n, text, bytes } of split(input, o.delimiter)) {
      bar?.advance(bytes);
      if (failure) break;
      let record: ReturnType<typeof parseRecord>;
      try {
        record = parseRecord(text, n, o);
      } catch (e) {
        failure = e;
        break;
      }
      if (o.headers.length > 0) record.headers = [...headersOf(record.headers), ...o.headers];
      if (o.partition !== undefined) record.partition = o.partition;
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

/** A record's own headers (from --json) as a list, so -H headers can follow them. */
function headersOf(h: HeadersInput | undefined): { name: string; value: Bytes | null }[] {
  if (h === undefined) return [];
  return Array.isArray(h) ? h : Object.entries(h).map(([name, value]) => ({ name, value }));
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
