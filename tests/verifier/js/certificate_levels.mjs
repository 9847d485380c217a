// Runs certificate.js's checkLevels (docs/draw-protocol.md 7.5) on
// [{places, caps, levels}] cases read from the JSON file named on the command
// line; prints [null | {path, message}]. Used by tests/verifier/test_certificate_js.py.

import { readFileSync } from "node:fs";
import { checkLevels } from "../../../inspect_app/static/verify/certificate.js";

const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
process.stdout.write(JSON.stringify(cases.map(({ places, caps, levels }) =>
  checkLevels(places, new Map(Object.entries(caps)), levels))));
