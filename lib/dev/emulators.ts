/**
 * The AWS emulators the AWS tests and `npm run dev:aws` run against: DynamoDB Local (AWS's own emulator, a Java
 * program shipped in the amplify-dynamodb-simulator npm package) and s3rver (a child process), each on a free
 * loopback port. Development tooling: nothing in the service imports it.
 *
 * When AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_DYNAMODB) is set, nothing is started:
 * the tests run against those endpoints (LocalStack, or a real account).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";

export interface EmulatorEndpoints {
  s3: string;
  dynamodb: string;
}

export interface Emulators {
  endpoints: EmulatorEndpoints;
  /** true when this process started both (so clients use fixed dummy credentials) */
  emulated: boolean;
  stop(): Promise<void>;
}

/**
 * Fixed dummy credentials for the emulators: s3rver only accepts its own S3RVER/S3RVER pair, and DynamoDB
 * Local (1.23+) accepts any alphanumeric key.
 */
export const EMULATOR_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
export const EMULATOR_REGION = "us-east-1";

const require = createRequire(import.meta.url);

/**
 * Start DynamoDB Local and s3rver, or use the endpoints from the environment.
 *
 * @example
 * const { endpoints, stop } = await startEmulators();
 */
export async function startEmulators(env: Record<string, string | undefined> = process.env): Promise<Emulators> {
  const s3External = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  const dynamodbExternal = env.AWS_ENDPOINT_URL_DYNAMODB || env.AWS_ENDPOINT_URL;
  if (s3External && dynamodbExternal) {
    return { endpoints: { s3: s3External, dynamodb: dynamodbExternal }, emulated: false, stop: async () => {} };
  }
  const started = await Promise.allSettled([
    dynamodbExternal ? external(dynamodbExternal) : startDynamoDbLocal(),
    s3External ? external(s3External) : startS3rver(),
  ]);
  const [dynamodb, s3] = started.map((r) => (r.status === "fulfilled" ? r.value : undefined));
  if (!dynamodb || !s3) {
    // Do not leave the one that started running (it would keep vitest from exiting).
    await Promise.allSettled([dynamodb?.stop(), s3?.stop()]);
    throw started.find((r): r is PromiseRejectedResult => r.status === "rejected")?.reason;
  }
  return {
    endpoints: { s3: s3.endpoint, dynamodb: dynamodb.endpoint },
    emulated: !s3External && !dynamodbExternal,
    stop: async () => {
      await Promise.allSettled([dynamodb.stop(), s3.stop()]);
    },
  };
}

export interface Running {
  endpoint: string;
  stop(): Promise<void>;
}

async function external(endpoint: string): Promise<Running> {
  return { endpoint, stop: async () => {} };
}

/** A port the OS says is free now. DynamoDB Local cannot bind port 0 and report it, so we ask first. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function dynamoDbLocalDir(): string {
  // Resolve the package's files without loading it: its entry point would start its own emulator wrapper.
  const pkg = require.resolve("amplify-dynamodb-simulator/package.json");
  return join(dirname(pkg), "emulator");
}

function assertJava(): string {
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, "bin", "java") : "java";
  const probe = spawnSync(java, ["-version"], { stdio: "ignore" });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `DynamoDB Local needs Java (17 or newer) but "${java}" could not be run` +
        ` (${probe.error?.message ?? `exit ${probe.status}`}). Install it (Debian: apt-get install -y` +
        " openjdk-17-jre-headless), or set AWS_ENDPOINT_URL_DYNAMODB to an existing DynamoDB endpoint.",
    );
  }
  return java;
}

async function startDynamoDbLocal(): Promise<Running> {
  const java = assertJava();
  const dir = dynamoDbLocalDir();
  // A port taken between freePort() and the JVM's bind makes the JVM exit: try again on another one.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(
      java,
      [
        `-Djava.library.path=${join(dir, "DynamoDBLocal_lib")}`,
        "-Xmx256m",
        "-jar",
        join(dir, "DynamoDBLocal.jar"),
        "-inMemory",
        "-disableTelemetry",
        "-port",
        String(port),
      ],
      { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
    );
    const endpoint = `http://127.0.0.1:${port}`;
    try {
      await waitForDynamoDb(endpoint, child);
      return { endpoint, stop: () => stopChild(child) };
    } catch (error) {
      lastError = error;
      await stopChild(child);
      if (!(error instanceof PortLost)) break;
    }
  }
  throw lastError;
}

/** The JVM exited while starting (typically: the port was taken in the meantime); worth another port. */
class PortLost extends Error {}

async function waitForDynamoDb(endpoint: string, child: ChildProcess): Promise<void> {
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  let exited: string | undefined;
  child.once("exit", (code, signal) => {
    exited = `exited with ${code ?? signal}`;
  });
  const client = new DynamoDBClient({
    endpoint,
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
    maxAttempts: 1,
  });
  const deadline = Date.now() + 60_000;
  let lastError: unknown;
  try {
    while (Date.now() < deadline) {
      if (exited) throw new PortLost(`DynamoDB Local ${exited}:\n${output}`);
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch (error) {
        lastError = error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`DynamoDB Local did not answer on ${endpoint} within 60 s (${String(lastError)}):\n${output}`);
  } finally {
    client.destroy();
    // Keep draining the pipes so a chatty JVM never blocks on a full pipe.
    child.stdout?.removeListener("data", collect);
    child.stderr?.removeListener("data", collect);
    child.stdout?.resume();
    child.stderr?.resume();
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * s3rver in a child process: it makes ListObjectsV2 continuation tokens with DES, which Node's OpenSSL 3
 * only offers through the legacy provider (a flag for the process), so it cannot run inside vitest's.
 *
 * The child also corrects three places where s3rver 3.7.1 differs from S3, so that the conformance suite
 * tests our adapter and not the emulator:
 * - it lists keys in directory-walk order; S3 lists in UTF-8 byte order ("a-1" < "a/0" < "a0");
 * - it ignores a range ending at byte 0 ("bytes=0-0": `end || Infinity`) and returns the whole object;
 * - a ranged GET of an empty object announces 1 byte and sends none (the client sees ECONNRESET); S3
 *   answers 416 InvalidRange.
 */
const S3RVER_MAIN = `
const path = require("node:path");
const fs = require("node:fs");
const { Readable } = require("node:stream");
const root = process.argv[1];
const S3rver = require(root);
const FilesystemStore = require(path.join(root, "lib/stores/filesystem.js"));
const S3Object = require(path.join(root, "lib/models/object.js"));
const byteOrder = (a, b) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

const listObjects = FilesystemStore.prototype.listObjects;
FilesystemStore.prototype.listObjects = async function (bucket, options) {
  const { startAfter = "", maxKeys = Infinity } = options;
  const all = await listObjects.call(this, bucket, { ...options, startAfter: "", maxKeys: Infinity });
  const objects = all.objects.filter((o) => byteOrder(o.key, startAfter) > 0).sort((a, b) => byteOrder(a.key, b.key));
  return { ...all, objects: objects.slice(0, maxKeys), isTruncated: objects.length > maxKeys };
};

FilesystemStore.prototype.getObject = async function (bucket, key, options = {}) {
  let metadata;
  try {
    metadata = await this.getMetadata(bucket, key);
  } catch (err) {
    if (err.code === "ENOENT") return null;
    throw err;
  }
  const size = Number(metadata["content-length"]);
  const ranged = options.start !== undefined || options.end !== undefined;
  const range = { start: options.start ?? 0, end: Math.min(options.end ?? Infinity, size - 1) };
  if (ranged && (range.start < 0 || range.end < range.start)) {
    const unsatisfiable = new S3Object(bucket, key, null, metadata);
    unsatisfiable.range = range;
    return unsatisfiable;
  }
  const content =
    size === 0 ? Readable.from([]) : fs.createReadStream(this.getResourcePath(bucket, key, "object"), ranged ? range : {});
  const object = new S3Object(bucket, key, content, metadata);
  if (ranged) object.range = range;
  return object;
};

// The parent holds our stdin open: when it goes away, even killed, so do we.
process.stdin.on("end", () => process.exit(0)).resume();

new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: process.argv[2], vhostBuckets: false })
  .run()
  .then(({ port }) => process.stdout.write("PORT " + port + "\\n"), (e) => { console.error(e); process.exit(1); });
`;

/** @example const s3 = await startS3rver(); ...; await s3.stop(); */
export async function startS3rver(): Promise<Running> {
  const directory = await mkdtemp(join(tmpdir(), "strata-s3rver-"));
  const child = spawn(
    process.execPath,
    ["--openssl-legacy-provider", "-e", S3RVER_MAIN, dirname(require.resolve("s3rver/package.json")), directory],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  const stop = async () => {
    await stopChild(child);
    await rm(directory, { recursive: true, force: true });
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let output = "";
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /PORT (\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
      child.once("exit", (code) => reject(new Error(`s3rver exited with ${code}:\n${output}`)));
      child.once("error", reject);
    });
    child.stdout?.resume();
    child.stderr?.resume();
    return { endpoint: `http://127.0.0.1:${port}`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
