// Digests, commitment and seed (docs/draw-protocol.md, section 2).
//   input_digest  = SHA-256(canonical instance without its "secret" member)
//   frozen_digest = the same with "external_entropy" set to "" (added if absent)
//   commitment    = SHA-256(secret)
//   seed          = SHA-256(secret ‖ input_digest ‖ UTF-8(external_entropy))
//   result_digest = SHA-256(canonical outcome)
// All functions take decoded documents (json.js values) and return Uint8Array.

import { canonicalText, compareCodePoints, quote, utf8Pieces } from "./canonical.js";
import { sha256, sha256Async } from "./sha256.js";

const FROZEN_KEY = "external_entropy";

/** Canonical bytes of a top-level object with members replaced ({key: value},
 *  undefined = removed); the other members are serialised once for both uses. */
function memberPieces(doc, replace, cache) {
  const keys = new Set(Object.keys(doc));
  for (const key of Object.keys(replace)) keys.add(key);
  const pieces = ["{"];
  let first = true;
  for (const key of [...keys].sort(compareCodePoints)) {
    const value = key in replace ? replace[key] : doc[key];
    if (value === undefined) continue;
    pieces.push((first ? "" : ",") + quote(key) + ":");
    first = false;
    if (key in replace) pieces.push(canonicalText(value));
    else {
      if (!cache.has(key)) cache.set(key, canonicalText(value));
      pieces.push(cache.get(key));
    }
  }
  pieces.push("}");
  return utf8Pieces(pieces);
}

/** {input, frozen}: the input digest and the frozen digest of an instance document. */
export async function instanceDigests(doc) {
  const cache = new Map();
  const input = await sha256Async(memberPieces(doc, { secret: undefined }, cache));
  const frozen = await sha256Async(memberPieces(doc, { secret: undefined, [FROZEN_KEY]: "" }, cache));
  return { input, frozen };
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

export const resultDigest = async (outcome) => sha256Async(utf8Pieces([canonicalText(outcome)]));
