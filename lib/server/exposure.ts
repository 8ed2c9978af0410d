/**
 * The warning the local server prints at start when it listens beyond loopback: it has no authentication
 * (README.md, next to HOST), so that hands every route, deletes included, to anyone who can reach the port.
 */
import { isLoopbackHost } from "../api/guard.js";

/** The warning to print when listening on `host`, or undefined on a loopback address. */
export function exposureWarning(host: string): string | undefined {
  if (isLoopbackHost(host)) return undefined;
  return (
    `strata: WARNING: listening on ${host}, beyond loopback, with no authentication: anyone who can reach this ` +
    "port can create, write, read and delete every topic and group. Use HOST=127.0.0.1 unless a firewall or an " +
    "authenticating proxy stands in front."
  );
}
