/**
 * UTF-8 validation without building a string: what a fatal TextDecoder accepts, byte for byte (WHATWG / RFC 3629:
 * no overlong forms, no surrogates U+D800..U+DFFF, nothing above U+10FFFF, no truncated sequence).
 *
 * Lead byte   continuation bytes
 * 00..7F      -
 * C2..DF      80..BF
 * E0          A0..BF 80..BF      (E0 80..9F would be overlong)
 * E1..EC      80..BF 80..BF
 * ED          80..9F 80..BF      (ED A0..BF would be a surrogate)
 * EE..EF      80..BF 80..BF
 * F0          90..BF 80..BF 80..BF (F0 80..8F would be overlong)
 * F1..F3      80..BF 80..BF 80..BF
 * F4          80..8F 80..BF 80..BF (F4 90.. would be above U+10FFFF)
 * 80..C1, F5..FF never lead.
 *
 * It exists so a batch can be validated record by record with no allocation: header names are UTF-8 strings.
 */

const isCont = (b: number): boolean => (b & 0xc0) === 0x80;

/**
 * Whether `bytes[start, end)` is well-formed UTF-8, exactly as `new TextDecoder("utf-8", { fatal: true })` judges it.
 * @example isValidUtf8(new Uint8Array([0xc3, 0xa9]), 0, 2) === true
 */
export function isValidUtf8(bytes: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const b0 = bytes[i]!;
    if (b0 < 0x80) {
      i++;
      continue;
    }
    const need = sequenceLength(b0);
    if (need === 0 || end - i < need) return false;
    const b1 = bytes[i + 1]!;
    if (b1 < lowSecond(b0) || b1 > highSecond(b0)) return false;
    if (need > 2 && !isCont(bytes[i + 2]!)) return false;
    if (need > 3 && !isCont(bytes[i + 3]!)) return false;
    i += need;
  }
  return true;
}

/** Bytes in the sequence a lead byte opens; 0 when it cannot lead. */
function sequenceLength(b0: number): number {
  if (b0 < 0xc2) return 0;
  if (b0 < 0xe0) return 2;
  if (b0 < 0xf0) return 3;
  if (b0 < 0xf5) return 4;
  return 0;
}

/** The second byte's range is narrower than 80..BF after E0, ED, F0 and F4 (see the table above). */
function lowSecond(b0: number): number {
  if (b0 === 0xe0) return 0xa0;
  if (b0 === 0xf0) return 0x90;
  return 0x80;
}

function highSecond(b0: number): number {
  if (b0 === 0xed) return 0x9f;
  if (b0 === 0xf4) return 0x8f;
  return 0xbf;
}
