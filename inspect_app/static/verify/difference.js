// The first difference between an expected and a found JSON value, worded as
// `python -m solver verify` words it (docs/draw-protocol.md, section 10):
//   visits[17].team: expected [E003, E019], found [E003, E020]
//   samples.T1[12]: missing, expected 91350181MA2Y0XXXXX
//   stats.extra: unexpected 3
// Each function returns null or {path, message}; message starts with path.

import { canonicalText, formatFloat, sortedKeys } from "./canonical.js";
import { JsonFloat, isObject } from "./json.js";

export const SHORT_LIST = 8; // scalar lists up to this length are shown whole

/** A short rendering of a value for a message (lists as [a, b], strings bare). */
export function show(value) {
  if (Array.isArray(value)) return "[" + value.map(show).join(", ") + "]";
  if (typeof value === "string") return value;
  const text = canonicalText(value);
  const points = Array.from(text);
  return points.length <= 200 ? text : points.slice(0, 197).join("") + "...";
}

/** Python's str() of a decoded JSON value (for "entity None was not drawn"). */
export function pyStr(value) {
  if (typeof value === "string") return value;
  if (value === null) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (value instanceof JsonFloat) return formatFloat(value.value);
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  return pyRepr(value);
}

function pyRepr(value) {
  if (typeof value === "string") {
    const q = value.includes("'") && !value.includes('"') ? '"' : "'";
    const body = value.replace(/[\\\n\r\t]|[\u0000-\u001f\u007f]/g, (c) =>
      ({ "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" })[c] ||
      "\\x" + c.charCodeAt(0).toString(16).padStart(2, "0"));
    return q + (q === "'" ? body.replaceAll("'", "\\'") : body) + q;
  }
  if (Array.isArray(value)) return "[" + value.map(pyRepr).join(", ") + "]";
  if (isObject(value)) return "{" + Object.keys(value).map((k) => `${pyRepr(k)}: ${pyRepr(value[k])}`).join(", ") + "}";
  return pyStr(value);
}

export const at = (path, message) => ({ path, message: `${path}: ${message}` });
export const mismatch = (path, expected, found) => at(path, `expected ${show(expected)}, found ${show(found)}`);
export const missingEntry = (path, expected) => at(path, `missing, expected ${show(expected)}`);
export const unexpectedEntry = (path, found) => at(path, `unexpected ${show(found)}`);

export const join = (path, key) => (typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : String(key));

/** Python's type of a decoded scalar: the verifier's equality needs the same type. */
export function kind(v) {
  if (v === null) return "null";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "string") return "str";
  if (v instanceof JsonFloat) return "float";
  if (typeof v === "number" || typeof v === "bigint") return "int";
  return Array.isArray(v) ? "list" : "dict";
}

export function sameScalar(a, b) {
  const k = kind(a);
  if (k !== kind(b)) return false;
  if (k === "float") return a.value === b.value;
  if (k === "int") return BigInt(a) === BigInt(b);
  return a === b;
}

const isList = Array.isArray;
const isDict = (v) => kind(v) === "dict";

/** The first place where `found` differs from `expected`, or null. */
export function firstDifference(expected, found, path = "") {
  if (isDict(expected)) {
    if (!isDict(found)) return mismatch(path || "outcome", expected, found);
    for (const key of sortedKeys(expected)) {
      if (!Object.prototype.hasOwnProperty.call(found, key)) return missingEntry(join(path, key), expected[key]);
      const d = firstDifference(expected[key], found[key], join(path, key));
      if (d) return d;
    }
    for (const key of sortedKeys(found)) {
      if (!Object.prototype.hasOwnProperty.call(expected, key)) return unexpectedEntry(join(path, key), found[key]);
    }
    return null;
  }
  if (isList(expected)) {
    if (!isList(found)) return mismatch(path, expected, found);
    const scalars = expected.every((v) => !isList(v) && !isDict(v));
    if (scalars && expected.length <= SHORT_LIST && found.length <= SHORT_LIST) {
      const same = expected.length === found.length && expected.every((v, n) => sameScalar(v, found[n]));
      return same ? null : mismatch(path, expected, found);
    }
    const common = Math.min(expected.length, found.length);
    for (let n = 0; n < common; n++) {
      const d = firstDifference(expected[n], found[n], join(path, n));
      if (d) return d;
    }
    if (expected.length > found.length) return missingEntry(join(path, found.length), expected[found.length]);
    if (found.length > expected.length) return unexpectedEntry(join(path, expected.length), found[expected.length]);
    return null;
  }
  return sameScalar(expected, found) ? null : mismatch(path, expected, found);
}
