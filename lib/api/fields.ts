/**
 * The edge's half of field naming. The domain locates bad input in its own terms (a Location: input entry, batch,
 * record, member; lib/errors.ts) and never in a request's; `requestField` is the one place that names a Location
 * as the field of this API's request, for the shape of the route's request. `atField` re-roots an error the edge
 * raised itself (`offset`) under the request member it came from (`partitions[3].offset`).
 */
import { InvalidArgumentError, type Location, locationOf, type StrataError } from "../errors.js";

/**
 * How a route's request carries produce input:
 * - `records`: a JSON body `{ records: [...], producerId, producerEpoch, baseSequences }` (the record list).
 * - `body`: a body of RecordBatch bytes (the input's one entry), the producer in the query (`baseSequence`).
 */
export type RequestShape = "records" | "body";

/** A Location -> the request field at fault, e.g. `records[2].key`, `body.batch[0].records[3].timestamp`. */
export function requestField(shape: RequestShape, at: Location): string {
  const { batch, record, member, partition } = at;
  if (at.input === undefined && batch === undefined && record === undefined && member !== undefined) {
    // a member of the producer identity: top-level JSON members, or query parameters
    if (member === "baseSequence" && shape === "records" && partition !== undefined)
      return `baseSequences.${partition}`;
    return member;
  }
  let field: string = shape;
  if (batch !== undefined) field += `.batch[${batch}]`;
  if (record !== undefined) field += batch === undefined && shape === "records" ? `[${record}]` : `.records[${record}]`;
  return member === undefined ? field : `${field}.${member}`;
}

/**
 * Runs a domain call for a route whose request has `shape`: an error it raises at a Location names the request
 * field instead (`details.field` where `details.at` was), keeping its code, message and other details.
 */
export async function inRequest<T>(shape: RequestShape, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    const at = locationOf(e);
    if (at) {
      // rebuilt in order, `field` where `at` was: the problem's members come out as they always did
      const details = (e as StrataError).details;
      const entries = Object.entries(details);
      for (const [name] of entries) delete details[name];
      for (const [name, value] of entries) {
        if (name === "at") details.field = requestField(shape, at);
        else details[name] = value;
      }
    }
    throw e;
  }
}

/** Re-root a field error under `prefix` (e.g. "partitions[3]"), so it names the member in the request. */
export function atField<T>(prefix: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof InvalidArgumentError && e.field !== undefined)
      throw new InvalidArgumentError(`${prefix}.${e.field}`, `${prefix}.${e.message}`);
    throw e;
  }
}
