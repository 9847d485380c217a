#!/usr/bin/env node
// Run the JavaScript verifier in Node and print its report as JSON.
//   node tests/verifier/verify_js.mjs INSTANCE OUTCOME [REGISTER]
//     exit 0 verified, 1 not verified, 2 unreadable
//   node tests/verifier/verify_js.mjs --batch JOBS.json
//     JOBS.json: [{instance, outcome, register|null}, ...] (file paths);
//     prints one JSON array of reports (for tests: one Node start-up for many runs)
// A bug in the verifier (an exception) exits 3, or gives the verdict "error" in
// a batch, never a verdict of the documents.

import { readFileSync } from "node:fs";
import { verify } from "../../inspect_app/static/verify/verify.js";

const EXIT = { verified: 0, not_verified: 1, unreadable: 2, error: 3 };

async function run(instance, outcome, register) {
  const STRERROR = { ENOENT: "No such file or directory", EACCES: "Permission denied", EISDIR: "Is a directory" };
  const failures = {};
  const read = (path) => {
    try { return readFileSync(path); } catch (error) {
      failures[path] = STRERROR[error.code] || error.message;
      return null;
    }
  };
  const texts = { instance: read(instance), outcome: read(outcome), register: register ? read(register) : null };
  for (const [name, path] of [["register", register], ["instance", instance], ["outcome", outcome]]) { // the CLI's order
    if (path && texts[name] === null) {
      const message = `${path}: cannot read the file (${failures[path]})`; // as the CLI words it
      return { verdict: "unreadable", first: { path: null, message }, checks: [], warnings: [] };
    }
  }
  try {
    return await verify({ instanceText: texts.instance, outcomeText: texts.outcome, registerText: texts.register,
      names: { instance, outcome, register } });
  } catch (error) {
    return { verdict: "error", first: { path: null, message: String(error && error.stack || error) }, checks: [], warnings: [] };
  }
}

const args = process.argv.slice(2);
if (args[0] === "--batch" && args.length === 2) {
  const jobs = JSON.parse(readFileSync(args[1], "utf-8"));
  const reports = [];
  for (const job of jobs) reports.push(await run(job.instance, job.outcome, job.register || null));
  process.stdout.write(JSON.stringify(reports) + "\n");
} else if (args.length === 2 || args.length === 3) {
  const report = await run(args[0], args[1], args[2] || null);
  if (report.verdict === "error") process.stderr.write(report.first.message + "\n");
  else process.stdout.write(JSON.stringify(report, null, 2) + "\n");
  process.exitCode = EXIT[report.verdict];
} else {
  process.stderr.write("usage: verify_js.mjs INSTANCE OUTCOME [REGISTER] | --batch JOBS.json\n");
  process.exitCode = 2;
}
