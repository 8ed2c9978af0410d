/**
 * The guard's configuration (STRATA_ALLOWED_HOSTS, STRATA_CORS_ORIGINS): what a list may hold, and that a bad
 * entry fails the start with an error naming the variable rather than quietly opening or closing the server.
 */
import { describe, expect, it } from "vitest";
import { checkGuardOptions, isLoopbackHost, parseAllowedHosts, parseCorsOrigins } from "../../../lib/api/guard.js";
import { InvalidArgumentError } from "../../../lib/errors.js";

const fieldOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof InvalidArgumentError) return e.field;
    throw e;
  }
  return undefined;
};

describe("STRATA_CORS_ORIGINS", () => {
  it("is a comma-separated list of origins, normalized; unset or blank is none", () => {
    expect(parseCorsOrigins(undefined)).toEqual([]);
    expect(parseCorsOrigins(" ")).toEqual([]);
    expect(parseCorsOrigins("https://App.example.com, http://localhost:3000/")).toEqual([
      "https://app.example.com",
      "http://localhost:3000",
    ]);
  });

  it("refuses a wildcard, a path, a non-HTTP scheme and a bare name, naming the variable", () => {
    for (const bad of ["*", "https://app.example.com/ui", "ftp://files.example", "app.example.com", "null"]) {
      expect(
        fieldOf(() => parseCorsOrigins(`https://ok.example,${bad}`)),
        bad,
      ).toBe("STRATA_CORS_ORIGINS");
    }
  });
});

describe("STRATA_ALLOWED_HOSTS", () => {
  it("is a comma-separated list of names, optionally with a port", () => {
    expect(parseAllowedHosts("strata.internal, box.lan:9999,[fd00::1]:8080")).toEqual([
      "strata.internal",
      "box.lan:9999",
      "[fd00::1]:8080",
    ]);
  });

  it("refuses a URL, a path or a bad port, naming the variable", () => {
    for (const bad of ["http://box.lan", "box.lan/x", "box.lan:http", "*.lan"]) {
      expect(
        fieldOf(() => parseAllowedHosts(bad)),
        bad,
      ).toBe("STRATA_ALLOWED_HOSTS");
    }
  });

  it("as server options, a bad entry names the option", () => {
    expect(fieldOf(() => checkGuardOptions({ allowedHosts: ["a b"] }))).toBe("allowedHosts");
    expect(fieldOf(() => checkGuardOptions({ corsOrigins: ["*"] }))).toBe("corsOrigins");
  });
});

describe("loopback", () => {
  it("is localhost, 127.0.0.0/8 and ::1; not the wildcard addresses", () => {
    for (const h of ["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]", "::ffff:127.0.0.1"]) {
      expect(isLoopbackHost(h), h).toBe(true);
    }
    for (const h of ["0.0.0.0", "::", "192.168.1.5", "example.com", "localhost.evil.example"]) {
      expect(isLoopbackHost(h), h).toBe(false);
    }
  });
});
