// A stand-in for the core's verify.js (branch i10-jsv), served by
// tests/browser/test_verify_in_browser.py in place of /static/verify/verify.js
// for the wiring test only: it runs this branch's checks (rules.js,
// schedule.js, stats.js: section 10 steps 4-6) behind the core's contract
//   verify({instanceText, outcomeText, registerText}, {progress}) -> report
// and reports the other checks as not checked. The tests of the real
// verifier (after the merge) do not use it.

import { checkRules } from "./rules.js";
import { checkSchedule } from "./schedule.js";
import { checkStats } from "./stats.js";

function windowWorkdays(instance) {
  const cal = instance.calendar || {};
  const holidays = new Set(cal.holidays || []);
  const extra = new Set(cal.workdays || []);
  const out = [];
  const [y, m, d] = instance.window.start.split("-").map(Number);
  for (let t = Date.UTC(y, m - 1, d); ; t += 86400000) {
    const day = new Date(t).toISOString().slice(0, 10);
    if (day > instance.window.end) break;
    const w = new Date(t).getUTCDay();
    if (extra.has(day) || (w >= 1 && w <= 5 && !holidays.has(day))) out.push(day);
  }
  return out;
}

export async function verify({ instanceText, outcomeText }, { progress }) {
  progress("parse", 0);
  const instance = JSON.parse(instanceText);
  const outcome = JSON.parse(outcomeText);
  progress("parse", 1);
  const ctx = { instance, outcome, workdays: windowWorkdays(instance), progress };
  const checks = ["input_digest", "commitment", "seed", "register", "samples", "visits"].map((id) =>
    ({ id, status: "not_checked", detail: "stub: the core verifier is not merged" }));
  let first = null;
  for (const [id, check] of [["rules", checkRules], ["schedule", checkSchedule], ["stats", checkStats]]) {
    if (first) {
      checks.push({ id, status: "not_checked", detail: "after the first discrepancy" });
      continue;
    }
    first = check(ctx);
    checks.push({ id, status: first ? "failed" : "passed", detail: first ? first.message : "" });
  }
  checks.push({ id: "teams", status: "not_checked", detail: "no optimality certificate" });
  return { verdict: first ? "not_verified" : "verified", first, checks, warnings: [] };
}
