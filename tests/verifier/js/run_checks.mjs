// Runs rules.js, schedule.js, reasons.js and stats.js (section 10 steps 4-6) on
// [{instance, outcome}] cases read from the JSON file named on the command
// line; prints [{first: null | {path, message}, check: "rules"|"schedule"|"unfilled_reasons"|"stats"|null}].
// Used by tests/verifier/test_js_rules.py to compare with `python -m solver verify`.

import { readFileSync } from "node:fs";
import { checkRules } from "../../../inspect_app/static/verify/rules.js";
import { checkSchedule } from "../../../inspect_app/static/verify/schedule.js";
import { checkStats } from "../../../inspect_app/static/verify/stats.js";
import { checkUnfilledReasons } from "../../../inspect_app/static/verify/reasons.js";
import { windowWorkdays } from "./workdays_fixture.mjs";

const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
const results = cases.map(({ instance, outcome, visitsExpected }) => {
  const ctx = { instance, outcome, format: outcome.format, workdays: windowWorkdays(instance), visitsExpected, progress: null };
  for (const [name, check] of [["rules", checkRules], ["schedule", checkSchedule],
    ["unfilled_reasons", checkUnfilledReasons], ["stats", checkStats]]) {
    const first = check(ctx);
    if (first && first.status !== "not_checked") return { first, check: name };
  }
  return { first: null, check: null };
});
process.stdout.write(JSON.stringify(results));
