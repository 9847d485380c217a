// Canonical JSON (docs/draw-protocol.md, section 1): the UTF-8 text of Python's
// json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).
// Values are those of json.js (JsonFloat for floats, BigInt for big integers).

import { JsonFloat, quote } from "./json.js";

export { quote };

/** Compare two strings by code point (Python's string order), not UTF-16 unit. */
export function compareCodePoints(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x !== y) {
      // surrogates (U+D800-DFFF, i.e. code points above U+FFFF) sort after U+E000-FFFF
      if (x >= 0xd800 && y >= 0xd800) {
        x = x <= 0xdfff ? x + 0x2000 : x - 0x800;
        y = y <= 0xdfff ? y + 0x2000 : y - 0x800;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

/** The keys of an object in code-point order. */
export const sortedKeys = (obj) => Object.keys(obj).sort(compareCodePoints);

/** Python's repr of a float: shortest round-trip digits, exponent form when
 *  the decimal exponent is below -4 or at least 16 (1e-05, 1e+16, 0.03, 1.0). */
export function formatFloat(x) {
  if (!Number.isFinite(x)) throw new RangeError(`${x} has no JSON form`);
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, exp] = Math.abs(x).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const e = Number(exp);
  const sign = x < 0 ? "-" : "";
  if (e < -4 || e >= 16) {
    const m = digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits;
    return `${sign}${m}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  if (e < 0) return `${sign}0.${"0".repeat(-e - 1)}${digits}`;
  const whole = digits.slice(0, e + 1).padEnd(e + 1, "0");
  const frac = digits.slice(e + 1) || "0";
  return `${sign}${whole}.${frac}`;
}

/** The canonical text of a value, as a string (pieces pushed to `out` if given). */
export function canonicalText(value, out = null) {
  const parts = out || [];
  write(value, parts);
  return out ? null : parts.join("");
}

function write(value, parts) {
  if (value === null) parts.push("null");
  else if (value === true) parts.push("true");
  else if (value === false) parts.push("false");
  else if (typeof value === "string") parts.push(quote(value));
  else if (typeof value === "number") {
    if (!Number.isInteger(value)) throw new TypeError(`${value}: a non-integer number must be a JsonFloat`);
    parts.push(String(value));
  } else if (typeof value === "bigint") parts.push(value.toString());
  else if (value instanceof JsonFloat) parts.push(formatFloat(value.value));
  else if (Array.isArray(value)) {
    parts.push("[");
    value.forEach((v, n) => { if (n) parts.push(","); write(v, parts); });
    parts.push("]");
  } else {
    parts.push("{");
    sortedKeys(value).forEach((key, n) => {
      parts.push((n ? "," : "") + quote(key) + ":");
      write(value[key], parts);
    });
    parts.push("}");
  }
}

const encoder = new TextEncoder();

/** UTF-8 bytes of a list of text pieces, concatenated. */
export function utf8Pieces(pieces) {
  const chunks = [];
  let total = 0, batch = [];
  const flush = () => {
    if (!batch.length) return;
    const bytes = encoder.encode(batch.join(""));
    chunks.push(bytes);
    total += bytes.length;
    batch = [];
  };
  let size = 0;
  for (const p of pieces) {
    batch.push(p);
    size += p.length;
    if (size > 1 << 20) { flush(); size = 0; }
  }
  flush();
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

/** The canonical bytes of a value (no trailing newline). */
export function canonicalBytes(value) {
  const parts = [];
  write(value, parts);
  return utf8Pieces(parts);
}
