// Runs acceptance.js (section 10 step 7) alone on [{instance, outcome,
// visitsExpected}] cases read from the JSON file named on the command line,
// so that a rule of that step can be tested where an earlier step (the
// certificate) would stop a whole verification first; prints [first | null].
// Used by tests/verifier/test_acceptance_js.py.

import { readFileSync } from "node:fs";
import { checkAcceptance } from "../../../inspect_app/static/verify/acceptance.js";
import { windowWorkdays } from "./workdays_fixture.mjs";

const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
process.stdout.write(JSON.stringify(cases.map(({ instance, outcome, visitsExpected }) => checkAcceptance({
  instance, outcome, format: outcome.format, workdays: windowWorkdays(instance), visitsExpected, progress: null,
}))));
