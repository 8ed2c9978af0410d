/**
 * The edge's half of field naming: the domain names what it was given (`batches[0]`, `offset`), and these
 * helpers re-root such an error at the member of this request it came from (`body`, `partitions[3].offset`),
 * keeping its code and details.
 */
import { InvalidArgumentError, StrataError } from "../errors.js";

/** Re-root a field error under `prefix` (e.g. "partitions[3]"), so it names the member in the request. */
export function atField<T>(prefix: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof InvalidArgumentError)
      throw new InvalidArgumentError(`${prefix}.${e.field}`, `${prefix}.${e.message}`);
    throw e;
  }
}

/**
 * The domain names binary input `batches[0]`; in this request it is the body. Any error naming a field is
 * renamed (a RECORD_TOO_LARGE names its record too), keeping its code and other details.
 */
export async function renamed<T>(from: string, to: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    const field = e instanceof StrataError ? e.details.field : undefined;
    if (e instanceof StrataError && typeof field === "string" && field.startsWith(from)) {
      const at = to + field.slice(from.length);
      const message = e.message.replaceAll(from, to);
      const again =
        e instanceof InvalidArgumentError
          ? new InvalidArgumentError(at, message, e.code)
          : new StrataError(e.code, message, { retriable: e.retriable, cause: e });
      Object.assign(again.details, e.details, { field: at });
      throw again;
    }
    throw e;
  }
}
