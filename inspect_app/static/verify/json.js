// Reading a JSON document exactly (docs/draw-protocol.md, section 1).
//
// JSON.parse cannot be used: it keeps the last of two equal keys, turns 1.0
// into 1 and rounds large integers. This reader returns plain values, except:
//   * integers are numbers when |n| <= 2^53 - 1, BigInts beyond;
//   * floats (a number token with a fraction or an exponent) are JsonFloat
//     objects, so that 1 and 1.0 stay different (their canonical texts differ);
//   * objects have a null prototype (a "__proto__" key is an ordinary member).
// It refuses duplicate keys (naming the path of the first such object in
// document order, once the whole text has parsed), nesting deeper than
// 64 levels (before parsing), NaN/Infinity and unpaired surrogate escapes, with
// the reference CLI's wording. Errors are thrown as JsonError {message, path}.

export const MAX_DEPTH = 64;

export class JsonFloat {
  constructor(value) { this.value = value; }
  valueOf() { return this.value; }
  toJSON() { return this.value; } // JSON.stringify writes the number (without Python's ".0")
}

export class JsonError extends Error {
  constructor(message, path = null) { super(message); this.path = path; }
}

export const isFloat = (v) => v instanceof JsonFloat;
export const isInt = (v) => (typeof v === "number" && Number.isInteger(v)) || typeof v === "bigint";
export const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof JsonFloat);
export const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);

/** Nesting depth of the text (arrays and objects outside strings), capped at limit + 1. */
export function depthExceeds(text, limit = MAX_DEPTH) {
  let depth = 0, inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) { if (++depth > limit) return true; }
    else if (c === 93 || c === 125) depth--;
  }
  return false;
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const ESCAPES = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

/** Decode `input` (a string, or UTF-8 bytes) named `name` in messages;
 *  progress(fraction of the text read) is called every few MB. */
export function parseJson(input, name = "document", progress = null) {
  let text = input;
  if (typeof input !== "string") {
    try { text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(input); } catch {
      throw new JsonError(`${name}: the file is not UTF-8 text`);
    }
  }
  const surrogateError = () => new JsonError(
    `${name}: a string holds an unpaired UTF-16 surrogate escape, which has no UTF-8 form`);
  if (typeof input === "string" && LONE_SURROGATE.test(input)) throw surrogateError();
  if (depthExceeds(text)) throw new JsonError(`${name}: the document is nested deeper than ${MAX_DEPTH} levels`);
  let pos = 0, reported = 0;
  const REPORT_EVERY = 1 << 22; // characters
  const stack = []; // keys and indexes of the values being read (for a duplicate's path)
  const pathOf = () => "$" + stack.map((k) => (typeof k === "number" ? `[${k}]` : `.${k}`)).join("");

  const fail = (reason, at = pos) => {
    const before = text.slice(0, at);
    const line = before.split("\n").length;
    const column = Array.from(before.slice(before.lastIndexOf("\n") + 1)).length + 1; // in code points
    throw new JsonError(`${name}: malformed JSON at line ${line}, column ${column}: ${reason}`);
  };
  const space = () => {
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) pos++; else return;
    }
  };
  const str = () => {
    pos++; // opening quote
    let out = "", start = pos, escapedSurrogate = false;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (Number.isNaN(c)) fail("Unterminated string starting at", start - 1);
      if (c === 34) {
        out += text.slice(start, pos);
        pos++;
        // text decoded from UTF-8 holds no lone surrogate; only a \u escape can make one
        if (escapedSurrogate && LONE_SURROGATE.test(out)) throw surrogateError();
        return out;
      }
      if (c < 32) fail("Invalid control character at");
      if (c === 92) {
        out += text.slice(start, pos);
        const e = text[pos + 1];
        if (e === "u") {
          const hex = text.slice(pos + 2, pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("Invalid \\uXXXX escape", pos + 1);
          const unit = parseInt(hex, 16);
          if (unit >= 0xd800 && unit <= 0xdfff) escapedSurrogate = true;
          out += String.fromCharCode(unit);
          pos += 6;
        } else if (e !== undefined && e in ESCAPES) { out += ESCAPES[e]; pos += 2; }
        else fail("Invalid \\escape");
        start = pos;
      } else pos++;
    }
  };
  const num = () => {
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (!m) fail("Expecting value");
    pos = NUMBER.lastIndex;
    if (m[1] === undefined && m[2] === undefined) {
      const n = Number(m[0]);
      return Number.isSafeInteger(n) ? (n === 0 ? 0 : n) : BigInt(m[0]);
    }
    const x = Number(m[0]);
    if (!Number.isFinite(x)) throw new JsonError(`${name}: malformed JSON: ${m[0]} is beyond the range of a double`);
    return new JsonFloat(x);
  };
  const value = () => {
    space();
    const c = text[pos];
    if (c === "{") return obj();
    if (c === "[") return arr();
    if (c === '"') return str();
    if (text.startsWith("true", pos)) { pos += 4; return true; }
    if (text.startsWith("false", pos)) { pos += 5; return false; }
    if (text.startsWith("null", pos)) { pos += 4; return null; }
    for (const constant of ["NaN", "Infinity", "-Infinity"]) {
      if (text.startsWith(constant, pos)) throw new JsonError(`${name}: malformed JSON: ${constant} is not a JSON number`);
    }
    return num();
  };
  let firstDuplicate = null; // {start, path, key} of the earliest object (in document order) with one
  const obj = () => {
    const start = pos++;
    const out = Object.create(null);
    let duplicate = null;
    space();
    if (text[pos] === "}") { pos++; return out; }
    for (;;) {
      space();
      if (text[pos] !== '"') fail("Expecting property name enclosed in double quotes");
      const key = str();
      space();
      if (text[pos] !== ":") fail("Expecting ':' delimiter");
      pos++;
      stack.push(key);
      const v = value();
      stack.pop();
      if (duplicate === null && out[key] !== undefined) duplicate = key; // (null prototype)
      out[key] = v;
      space();
      if (text[pos] === ",") { pos++; continue; }
      if (text[pos] === "}") { pos++; break; }
      fail("Expecting ',' delimiter");
    }
    if (duplicate !== null && (firstDuplicate === null || start < firstDuplicate.start)) {
      firstDuplicate = { start, path: pathOf(), key: duplicate };
    }
    return out;
  };
  const arr = () => {
    pos++;
    const out = [];
    space();
    if (text[pos] === "]") { pos++; return out; }
    for (;;) {
      stack.push(out.length);
      out.push(value());
      if (progress && pos - reported > REPORT_EVERY) { reported = pos; progress(pos / text.length); }
      stack.pop();
      space();
      if (text[pos] === ",") { pos++; continue; }
      if (text[pos] === "]") { pos++; return out; }
      fail("Expecting ',' delimiter");
    }
  };
  if (text.charCodeAt(0) === 0xfeff) fail("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0);
  const result = value();
  space();
  if (pos < text.length) fail("Extra data");
  if (firstDuplicate !== null) {
    const { path, key } = firstDuplicate;
    throw new JsonError(`${name}: ${path}: duplicate key ${quote(key)}`, path);
  }
  return result;
}

/** A string as a JSON string literal (canonical escaping, section 1). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

export function quote(s) {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  return '"' + s.replace(/["\\\u0000-\u001f]/g, (c) => {
    switch (c) {
      case '"': return '\\"';
      case "\\": return "\\\\";
      case "\n": return "\\n";
      case "\r": return "\\r";
      case "\t": return "\\t";
      case "\b": return "\\b";
      case "\f": return "\\f";
      default: return "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
    }
  }) + '"';
}
