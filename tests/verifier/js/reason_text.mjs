// Words every reason of the JSON file named on the command line ([{reason, names}])
// in Chinese and English with reason_text.js; prints [{zh, en}].
// Used by tests/verifier/test_reason_text_js.py to compare with the web app's words.

import { readFileSync } from "node:fs";
import { reasonText } from "../../../inspect_app/static/verify/reason_text.js";

const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
process.stdout.write(JSON.stringify(cases.map(({ reason, names }) => ({
  zh: reasonText(reason, names, "zh"), en: reasonText(reason, names, "en"),
}))));
