// Digests, commitment and seed (docs/draw-protocol.md, section 2).
//   input_digest  = SHA-256(canonical instance without its "secret" member)
//   frozen_digest = the same with "external_entropy" set to "" (added if absent)
//   commitment    = SHA-256(secret)
//   seed          = SHA-256(secret ‖ input_digest ‖ UTF-8(external_entropy))
//   result_digest = SHA-256(canonical outcome)
// All functions take decoded documents (json.js values) and return Uint8Array.
//
// The instance's canonical text is encoded in pieces of about 1 MB (a long array,
// the entities, a few thousand elements at a time), never as one string. The
// two texts are identical up to the "external_entropy" member, so the frozen
// digest hashes that shared prefix once and the input digest goes to Web Crypto
// (off the main thread in a browser) where it exists.

import { canonicalText, compareCodePoints, quote } from "./canonical.js";
import { Sha256, sha256, sha256Async } from "./sha256.js";

const FROZEN_KEY = "external_entropy";
const PIECE = 1 << 20; // characters per encoded piece

/** UTF-8 pieces of a list of strings, each about PIECE characters. */
function encodePieces(strings, out) {
  const encoder = new TextEncoder();
  let batch = [], size = 0;
  for (const s of strings) {
    batch.push(s);
    size += s.length;
    if (size >= PIECE) { out.push(encoder.encode(batch.join(""))); batch = []; size = 0; }
  }
  if (batch.length) out.push(encoder.encode(batch.join("")));
  return out;
}

/** The canonical text of one value as a sequence of strings (arrays element by element). */
function* valueStrings(value) {
  if (Array.isArray(value) && value.length > 1000) {
    yield "[";
    for (let n = 0; n < value.length; n++) yield (n ? "," : "") + canonicalText(value[n]);
    yield "]";
  } else yield canonicalText(value);
}

/** Encoded canonical pieces of the members `keys` (sorted) of `doc`, as they
 *  follow a member or the opening brace (`first`). */
function memberBytes(doc, keys, first) {
  const out = [];
  keys.forEach((key, n) => {
    encodePieces([(first && n === 0 ? "" : ",") + quote(key) + ":", ...valueStrings(doc[key])], out);
  });
  return out;
}

const concat = (pieces) => {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) { out.set(p, at); at += p.length; }
  return out;
};

/** {input, frozen}: the input digest and the frozen digest of an instance document. */
export async function instanceDigests(doc, progress = () => {}) {
  const keys = Object.keys(doc).filter((k) => k !== "secret").sort(compareCodePoints);
  const before = keys.filter((k) => compareCodePoints(k, FROZEN_KEY) < 0);
  const after = keys.filter((k) => compareCodePoints(k, FROZEN_KEY) > 0);
  const hasEntropy = keys.includes(FROZEN_KEY);
  const brace = (c) => new TextEncoder().encode(c);
  const prefix = [brace("{"), ...memberBytes(doc, before, true)];
  const entropy = (value) => memberBytes({ [FROZEN_KEY]: value }, [FROZEN_KEY], !before.length);
  const suffix = [...memberBytes(doc, after, false), brace("}")]; // after a member
  progress("digests", 0.4);
  const inputSuffix = hasEntropy || before.length ? suffix : [...memberBytes(doc, after, true), brace("}")];
  const input = [...prefix, ...(hasEntropy ? entropy(doc[FROZEN_KEY]) : []), ...inputSuffix];
  const pending = sha256Async(concat(input));
  const hasher = new Sha256(); // the frozen text: external_entropy "" (added if absent)
  for (const piece of [...prefix, ...entropy(""), ...suffix]) hasher.update(piece);
  const frozen = hasher.digest();
  progress("digests", 0.9);
  return { input: await pending, frozen };
}

export const commitment = (secretBytes) => sha256(secretBytes);

export function seed(secretBytes, inputDigest, externalEntropy) {
  const entropy = new TextEncoder().encode(externalEntropy);
  const message = new Uint8Array(32 + 32 + entropy.length);
  message.set(secretBytes, 0);
  message.set(inputDigest, 32);
  message.set(entropy, 64);
  return sha256(message);
}

export async function resultDigest(outcome) {
  const keys = Object.keys(outcome).sort(compareCodePoints);
  const pieces = [new TextEncoder().encode("{"), ...memberBytes(outcome, keys, true), new TextEncoder().encode("}")];
  return sha256Async(concat(pieces));
}
