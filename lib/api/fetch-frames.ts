/**
 * POST /v1/fetch in the binary media type: the log's per-partition batches (or errors) as fetch frames
 * (lib/format/fetch-frames.ts). A failed partition's frame carries the same problem document the JSON answer gives.
 */
import { encodeFetchFrames, type FetchFrameInput } from "../format/fetch-frames.js";
import type { BatchesAnswer } from "../log/service.js";
import { problemFromError } from "./problem.js";

export function fetchFramesBody(
  answers: BatchesAnswer[],
  onError: (status: number, error: unknown) => void,
): Uint8Array {
  const frames = answers.map((a): FetchFrameInput => {
    if ("error" in a) {
      const problem = problemFromError(a.error);
      onError(problem.status, a.error);
      const none = { offset: -1, nextOffset: -1, highWatermark: -1, logStartOffset: -1, batches: [] };
      return { topic: a.topic, partition: a.partition, ...none, problem: JSON.stringify(problem) };
    }
    return a;
  });
  return encodeFetchFrames(frames);
}
