// Comparing the documents with what the register published before the draw
// (docs/draw-protocol.md, sections 10 and 12), in the CLI's order and words:
//   frozen_digest: the register published 3fa… but the instance gives 91c…

import { parseJson, has, isObject } from "./json.js";
import { show } from "./difference.js";

export const REGISTER_FORMAT = "inspect-register/1";
// Compared in this order; "code" is compared with the instance's draw_id.
export const COMPARED = ["code", "frozen_digest", "commitment", "external_entropy", "input_digest", "result_digest"];
export const DIGESTS = ["frozen_digest", "commitment", "input_digest", "result_digest"];
const HEX64 = /^[0-9a-f]{64}$/;

export class RegisterError extends Error {
  constructor(message, path = null) { super(message); this.path = path; }
}

/** The published values of a register file's text: [{name, value}] for the
 *  members that are present and not null. Throws JsonError or RegisterError. */
export function readRegister(text, name = "register") {
  const doc = parseJson(text, name);
  if (!isObject(doc)) throw new RegisterError(`${name}: the document must be a JSON object`);
  const found = has(doc, "format") ? doc.format : null;
  if (found !== REGISTER_FORMAT) {
    if (found === null) throw new RegisterError(`${name}: $.format: required field is missing`, "$.format");
    throw new RegisterError(`${name}: $.format: unknown format version ${show(found)}; ` +
      `this solver reads '${REGISTER_FORMAT}'`, "$.format");
  }
  const values = [];
  for (const key of COMPARED) {
    const value = has(doc, key) ? doc[key] : null;
    if (value === null) continue;
    const at = "$." + key;
    if (DIGESTS.includes(key)) {
      if (typeof value !== "string" || !HEX64.test(value)) {
        throw new RegisterError(`${name}: ${at}: expected 64 lower-case hex digits or null, found ${show(value)}`, at);
      }
    } else if (typeof value !== "string") {
      throw new RegisterError(`${name}: ${at}: expected a string or null, found ${show(value)}`, at);
    }
    values.push({ name: key, value });
  }
  return values;
}

/** The first published value (in COMPARED order) that differs from what the
 *  documents give: computed maps a name to [value, "the instance" …]; a name
 *  the documents cannot give is skipped. Returns null or {path, message}. */
export function registerDifference(published, computed) {
  const ordered = [...published].sort((a, b) => COMPARED.indexOf(a.name) - COMPARED.indexOf(b.name));
  for (const item of ordered) {
    if (!(item.name in computed)) continue;
    const [value, document] = computed[item.name];
    if (value !== item.value) {
      return { path: item.name, message: `${item.name}: the register published ${item.value} but ${document} gives ${value}` };
    }
  }
  return null;
}

/** The warnings the CLI prints after a successful verification. */
export function registerWarnings(published, given) {
  const names = COMPARED.filter((n) => published.some((p) => p.name === n));
  const warnings = [];
  const missing = DIGESTS.filter((n) => !names.includes(n));
  if (given && missing.length) {
    warnings.push(`warning: the register gives no ${missing.join(", ")} (not published yet); not compared`);
  }
  if (!names.some((n) => DIGESTS.includes(n))) {
    warnings.push("warning: not compared with the published register: this proves only that the outcome " +
      "is the one this instance produces, not that they are the documents the register published before the draw");
  }
  return { compared: names, warnings };
}
