// The CLI's wording of a discrepancy, for rules.js, schedule.js and stats.js.
//
// Written from docs/draw-protocol.md section 10 and the CLI's messages
// (`python -m solver verify` prints "NOT verified: " + one of these). A
// discrepancy is returned as {path, message}: `path` is the JSON path of the
// value ("visits[3].date"), `message` the whole line the CLI prints after
// "NOT verified: " ("visits[3].date: 2027-03-06 is not a working day of the
// window"). The wording comes from the core's difference.js.
//
// What checkRules, checkSchedule and checkStats expect of ctx (the core's
// verify.js builds it; they run in this order, after steps 1-3 passed):
//   instance, outcome   the documents as plain JSON values (objects, arrays,
//                       strings, numbers, booleans, null); instance defaults
//                       (policy, max_visits, active, ...) are applied here
//   workdays            the window's working days, ISO strings, ascending
//   visitsExpected      optional: section 6's visits [{id, uscc, tasks,
//                       departments}]; without it the outcome's entries
//                       (already compared with them in step 3) are used
//   progress            optional progress(stage, fraction); stages "rules",
//                       "schedule", "stats"

/** Python's string order (code points): the core's compareCodePoints. */
export { compareCodePoints as cmp } from "./canonical.js";
import { compareCodePoints as cmp } from "./canonical.js";

/** Lexicographic order of two arrays of strings (Python tuple order). */
export function cmpTuple(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = cmp(a[i], b[i]);
    if (c) return c;
  }
  return a.length - b.length;
}

export { isObject } from "./json.js";

// The CLI's wording itself is the core's (difference.js): one rendering of
// values and one first-difference walk for every check.
export { firstDifference, missingEntry, mismatch, show, unexpectedEntry } from "./difference.js";
import { at } from "./difference.js";

export const discrepancy = (path, message) => ({ path, message });
export const ruleViolation = (path, violation) => at(path, violation);

/** A date of the form YYYY-MM-DD that exists, or null. */
export function isoDay(value) {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const [y, m, d] = value.split("-").map(Number);
  const t = new Date(Date.UTC(y, m - 1, d));
  if (y < 1 || t.getUTCFullYear() !== y || t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d) return null;
  return value;
}

/** A visit id's number ("V00017" -> 17): the outcome lists visits in this order. */
export function visitNumber(id) {
  return typeof id === "string" ? Number(id.slice(1)) : NaN;
}

/** The policy of section 3, defaults filled in. */
export function policyOf(instance) {
  const p = instance.policy || {};
  const get = (k, d) => (p[k] === undefined ? d : p[k]);
  return {
    coordinated_sampling: get("coordinated_sampling", true),
    min_team_size: get("min_team_size", 2),
    rotation: get("rotation", true),
    exclude_recent_days: get("exclude_recent_days", 365),
    exclude_recent_risk: get("exclude_recent_risk", ["A", "B"]),
    frequency_cap: get("frequency_cap", 4),
    daily_visits_per_inspector: get("daily_visits_per_inspector", 3),
    exclude_local_supervisor: get("exclude_local_supervisor", false),
    jurisdiction_digits: get("jurisdiction_digits", 0),
  };
}

/** A task's departments: its lead, then its participating departments (section 3). */
export function taskDepartments(task) {
  const out = [task.department];
  for (const d of task.participating || []) if (!out.includes(d)) out.push(d);
  return out;
}

/** Progress reporter that calls `progress(stage, fraction)` at most every `step` items. */
export function ticker(progress, stage, total) {
  const step = Math.max(1, Math.floor(total / 100));
  return (done) => {
    if (progress && (done % step === 0 || done === total)) progress(stage, total ? done / total : 1);
  };
}
