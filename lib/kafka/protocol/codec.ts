/**
 * Requests and responses as a whole: the request header (v1: api key, version, correlation id, client id; v2 adds
 * tagged fields in flexible versions), the response header (v0: correlation id; v1 adds tagged fields, except for
 * ApiVersions, whose response header is always v0 so a client can read it before it knows the versions), and the
 * bodies through the message tables.
 */
import { ProtocolError, Reader, Writer } from "./primitives.js";
import { type ApiSpec, decodeStruct, encodeStruct, inRange, readTaggedFields, type Struct } from "./schema.js";

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export const API_VERSIONS_KEY = 18;

export const isFlexible = (spec: ApiSpec, version: number): boolean => inRange(spec.flexible, version);

/** The header's fixed part: enough to answer even a request this server cannot parse further. */
export function readRequestHeader(r: Reader): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const clientId = r.string();
  return { apiKey, apiVersion, correlationId, clientId };
}

/** The body of a request whose header was read from `r` (header v2's tagged fields first when flexible). */
export function readRequestBody(r: Reader, spec: ApiSpec, version: number): Struct {
  const flexible = isFlexible(spec, version);
  if (flexible) readTaggedFields(r, [], version, {});
  const body = decodeStruct(r, spec.request, version, flexible);
  if (r.remaining !== 0) throw new ProtocolError(`${spec.name} v${version}: ${r.remaining} bytes after the body`);
  return body;
}

/** A whole request frame (size prefix included): what clients send; the tests use it. */
export function encodeRequest(spec: ApiSpec, header: RequestHeader, body: Struct): Uint8Array {
  const w = new Writer();
  w.int32(0);
  w.int16(header.apiKey).int16(header.apiVersion).int32(header.correlationId).string(header.clientId);
  const flexible = isFlexible(spec, header.apiVersion);
  if (flexible) w.uvarint(0);
  encodeStruct(w, spec.request, body, header.apiVersion, flexible);
  const bytes = w.toBytes();
  new DataView(bytes.buffer, bytes.byteOffset).setInt32(0, bytes.length - 4);
  return bytes;
}

/** A whole response frame as chunks (size prefix first); large record fields are referenced, not copied. */
export function encodeResponse(spec: ApiSpec, version: number, correlationId: number, body: Struct): Uint8Array[] {
  const w = new Writer();
  const flexible = isFlexible(spec, version);
  w.int32(correlationId);
  if (flexible && spec.apiKey !== API_VERSIONS_KEY) w.uvarint(0);
  encodeStruct(w, spec.response, body, version, flexible);
  const chunks = w.finish();
  const size = new Uint8Array(4);
  new DataView(size.buffer).setInt32(0, w.length);
  return [size, ...chunks];
}

/** A response frame's payload (size prefix removed) back into its correlation id and body: tests and fixtures. */
export function decodeResponse(
  spec: ApiSpec,
  version: number,
  payload: Uint8Array,
): { correlationId: number; body: Struct } {
  const r = new Reader(payload);
  const correlationId = r.int32();
  const flexible = isFlexible(spec, version);
  if (flexible && spec.apiKey !== API_VERSIONS_KEY) readTaggedFields(r, [], version, {});
  const body = decodeStruct(r, spec.response, version, flexible);
  if (r.remaining !== 0) throw new ProtocolError(`${spec.name} v${version} response: ${r.remaining} bytes left`);
  return { correlationId, body };
}
