/** When the local server warns at start that it listens beyond loopback without authentication. */
import { expect, it } from "vitest";
import { exposureWarning } from "../../../lib/server/exposure.js";

it("warns for every address but loopback, naming the address and the missing authentication", () => {
  for (const host of ["127.0.0.1", "localhost", "::1"]) expect(exposureWarning(host), host).toBeUndefined();
  for (const host of ["0.0.0.0", "::", "192.168.1.5", "myhost.lan"]) {
    const warning = exposureWarning(host);
    expect(warning, host).toContain(host);
    expect(warning).toContain("no authentication");
  }
});
