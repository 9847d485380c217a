// Unfilled reasons (docs/draw-protocol.md 7.2, 9.1).
//
// In formats /2 and /3 schedule.js recomputes every unfilled visit with its
// reason (too_few_eligible and capacity from acceptance.js, pair_conflict from
// the repairs of 7.4, the scheduling reasons from section 8) and leaves the
// list in ctx.recomputed; this check compares it, as the CLI does after the
// visits. Where that list is missing (the checks run without acceptance.js, as
// tests/verifier/js/run_checks.mjs does) the too_few_eligible reasons are
// recomputed from the instance alone — every such department's places,
// qualifications, members, eligible inspectors and the number dropped by each
// rule — and the check stays partial. Format /1 states reasons as text: not
// checked.

import { cmp, firstDifference } from "./cli_text.js";
import { RuleBook } from "./rules.js";

// The rule codes of section 9.1, in rule order (the rules' names with "_" for " ").
export const RULE_CODES = ["outside_jurisdiction", "inactive", "no_certificate", "certificate_expired", "not_qualified",
  "no_available_day", "no_capacity", "declared_conflict", "checked_last_time", "local_supervisor"];

/** Department -> the instance's inspectors of it, by id. */
export function membersOf(instance) {
  const members = new Map();
  for (const i of [...(instance.inspectors || [])].sort((a, b) => cmp(a.id, b.id))) {
    if (!members.has(i.department)) members.set(i.department, []);
    members.get(i.department).push(i);
  }
  return members;
}

/** The departments of `visit` with fewer eligible inspectors than places, as the reason lists them. */
export function shortages(book, visit, members) {
  const entity = book.entities.get(visit.uscc);
  if (!entity) return [];
  const need = book.requirement(visit);
  const quals = book.qualifications(visit);
  const out = [];
  for (const department of [...need.keys()].sort(cmp)) {
    const staff = members.get(department) || [];
    const dropped = new Map();
    let eligible = 0;
    for (const inspector of staff) {
      const reason = book.reason(inspector, entity, department, quals.get(department));
      if (reason === null) eligible++;
      else dropped.set(reason.replaceAll(" ", "_"), (dropped.get(reason.replaceAll(" ", "_")) || 0) + 1);
    }
    if (eligible >= need.get(department)) continue;
    const counts = Object.create(null);
    for (const code of RULE_CODES) if (dropped.has(code)) counts[code] = dropped.get(code);
    out.push({ department, needed: need.get(department), qualifications: [...quals.get(department)].sort(cmp),
      members: staff.length, eligible, dropped: counts });
  }
  return out;
}

/** Section 10 step 5 for the reasons above; null never: a discrepancy, or "not_checked" with partial: true. */
export function checkUnfilledReasons(ctx) {
  const { instance, outcome, workdays } = ctx;
  if (ctx.format === "inspect-draw-outcome/1") {
    return { status: "not_checked", detail: "format /1 states reasons as text (section 9.5); not checked" };
  }
  if (ctx.recomputed) return firstDifference(ctx.recomputed, outcome.unfilled, "unfilled"); // by schedule.js
  const wanted = new Set(outcome.unfilled.map((u) => u.uscc));
  const book = new RuleBook(instance, workdays, wanted);
  const members = membersOf(instance);
  const byUscc = new Map((ctx.visitsExpected || []).map((v) => [v.uscc, v]));
  let checked = 0;
  for (let n = 0; n < outcome.unfilled.length; n++) {
    const entry = outcome.unfilled[n];
    const visit = byUscc.get(entry.uscc);
    if (!visit) continue;
    const short = shortages(book, visit, members);
    if (!short.length) continue;
    const d = firstDifference({ code: "too_few_eligible", departments: short }, entry.reason, `unfilled[${n}].reason`);
    if (d) return d;
    checked++;
  }
  return { status: "not_checked", partial: true,
    detail: `partly: ${checked} too_few_eligible reasons recomputed; the others need the acceptance of 7.2 ` +
      "and the flow teams (acceptance.js, schedule.js)" };
}
