/**
 * The SDK core runs wherever fetch exists: its entry bundles for esbuild's browser platform (where a `node:` import
 * fails the build) with the options of the published browser build, and the bundle, run in a context with web
 * globals only (no process, no Buffer, no require), produces to and consumes from a real local server, gzip included.
 */
import { runInNewContext } from "node:vm";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserBuild } from "../../client/build-options.mjs";
import { startTestServer, type TestServer } from "./support.js";

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv.close();
});

async function bundle(format: "esm" | "iife") {
  const r = await build({
    ...browserBuild,
    format,
    globalName: format === "iife" ? "StrataSDK" : undefined,
    write: false,
    metafile: true,
    sourcemap: false,
    logLevel: "silent",
  });
  return { text: r.outputFiles[0]!.text, inputs: r.metafile.inputs };
}

describe("the SDK for browsers and edge runtimes", () => {
  it("bundles for the browser platform with no node: import anywhere on its path", async () => {
    const { text, inputs } = await bundle("esm");
    const nodeImports = Object.entries(inputs).flatMap(([file, i]) =>
      i.imports.filter((x) => x.path.startsWith("node:")).map((x) => `${file} -> ${x.path}`),
    );
    expect(nodeImports).toEqual([]);
    expect(text).not.toMatch(/(from|import\(|require\()\s*["']node:/);
  });

  it("produces and consumes with web globals only (no process, no Buffer)", async () => {
    const { text } = await bundle("iife");
    const sandbox: Record<string, unknown> = {
      fetch,
      URL,
      TextEncoder,
      TextDecoder,
      AbortController,
      AbortSignal,
      crypto: globalThis.crypto,
      setTimeout,
      clearTimeout,
      queueMicrotask,
      WebAssembly: (globalThis as Record<string, unknown>).WebAssembly,
      console,
    };
    runInNewContext(`${text}\nglobalThis.StrataSDK = StrataSDK;`, sandbox);
    const sdk = sandbox.StrataSDK as typeof import("../../client/src/index.js");
    const strata = new sdk.Strata({ url: srv.url });
    await strata.admin().createTopic("web", { partitions: 1 });
    const producer = strata.producer({ compression: "lz4" });
    const [meta] = await producer.send("web", [{ key: "k", value: "from a browser" }]);
    await producer.close();
    expect(meta).toMatchObject({ partition: 0, offset: 0 });
    const gzipped = strata.producer({ compression: "gzip" }); // node:zlib's stand-in, zlib-browser.ts
    await gzipped.send("web", [{ value: "gzip too" }]);
    await gzipped.close();

    const consumer = strata.consumer({ groupId: "web-readers", autoOffsetReset: "earliest" });
    consumer.subscribe({ topics: ["web"] });
    const seen: string[] = [];
    for await (const message of consumer) {
      seen.push(new TextDecoder().decode(message.value!));
      if (seen.length === 2) break;
    }
    expect(seen).toEqual(["from a browser", "gzip too"]);
  });
});
