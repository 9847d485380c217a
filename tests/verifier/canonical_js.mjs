#!/usr/bin/env node
// Test helper: canonical JSON, SHA-256 and HMAC-SHA256 of the JavaScript
// verifier, for tests/verifier/test_canonical_js.py to compare with Python.
//   node canonical_js.mjs CASES.json  ->  prints RESULTS as JSON
// CASES: {"texts": [JSON text], "sha": [hex], "hmac": [[key hex, message hex]],
//         "digests": [JSON text of an object]}
// RESULTS: {"canonical": [hex of the canonical bytes | {"error": message}],
//           "sha": [hex], "hmac": [hex], "sorted": [keys of each text's top object, sorted],
//           "digests": [[input_digest hex, frozen_digest hex]]}

import { readFileSync } from "node:fs";
import { parseJson, isObject } from "../../inspect_app/static/verify/json.js";
import { canonicalBytes, sortedKeys } from "../../inspect_app/static/verify/canonical.js";
import { fromHex, hmacFactory, sha256, toHex } from "../../inspect_app/static/verify/sha256.js";
import { instanceDigests } from "../../inspect_app/static/verify/digests.js";

const cases = JSON.parse(readFileSync(process.argv[2], "utf-8"));
const canonical = cases.texts.map((text) => {
  try { return toHex(canonicalBytes(parseJson(text, "case"))); } catch (error) { return { error: error.message }; }
});
const sorted = cases.texts.map((text) => {
  try { const v = parseJson(text, "case"); return isObject(v) ? sortedKeys(v) : null; } catch { return null; }
});
const sha = cases.sha.map((hex) => toHex(sha256(fromHex(hex))));
const hmac = cases.hmac.map(([key, message]) => toHex(hmacFactory(fromHex(key))(fromHex(message))));
const digests = [];
for (const text of cases.digests || []) {
  const d = await instanceDigests(parseJson(text, "case"));
  digests.push([toHex(d.input), toHex(d.frozen)]);
}
process.stdout.write(JSON.stringify({ canonical, sorted, sha, hmac, digests }) + "\n");
