// Section 10 step 6 (docs/draw-protocol.md): the outcome's `stats` (section 9),
// then the whole document: no member missing or extra at the top level.
//
// checkStats(ctx) assumes steps 1-5 passed, so the samples, visits and
// unfilled lists are the ones the instance gives.

import { cmp, firstDifference, mismatch, missingEntry, taskDepartments, unexpectedEntry } from "./cli_text.js";

const MEMBERS = ["certificate", "commitment", "draw_id", "excluded", "format", "input_digest", "samples", "seed", "stats",
  "unfilled", "visits"];

/** The `stats` of section 9, from the (verified) samples, visits and unfilled of the outcome. */
export function expectedStats(instance, outcome) {
  const departments = new Set();
  for (const t of instance.tasks || []) for (const d of taskDepartments(t)) departments.add(d);
  const loads = new Map();
  for (const i of instance.inspectors || []) {
    if (i.active !== false && departments.has(i.department)) loads.set(i.id, 0);
  }
  for (const v of outcome.visits) for (const i of v.team || []) loads.set(i, (loads.get(i) || 0) + 1);
  let sampled = 0;
  const drawn = new Set();
  const samples = outcome.samples && typeof outcome.samples === "object" ? outcome.samples : {};
  for (const id of Object.keys(samples)) {
    if (!Array.isArray(samples[id])) continue;
    sampled += samples[id].length;
    for (const u of samples[id]) drawn.add(u);
  }
  let low = null;
  let high = null;
  for (const n of loads.values()) {
    if (low === null || n < low) low = n;
    if (high === null || n > high) high = n;
  }
  return {
    visits: outcome.visits.length,
    joint_visits: outcome.visits.filter((v) => Array.isArray(v.departments) && v.departments.length > 1).length,
    unfilled: outcome.unfilled.length,
    sampled,
    entities: drawn.size,
    load_min: low === null ? 0 : low,
    load_max: high === null ? 0 : high,
  };
}

export function checkStats(ctx) {
  const { instance, outcome } = ctx;
  for (const section of ["visits", "unfilled"]) {
    if (!Array.isArray(outcome[section])) return mismatch(section, [], outcome[section] === undefined ? null : outcome[section]);
  }
  const expected = expectedStats(instance, outcome);
  if (!Object.prototype.hasOwnProperty.call(outcome, "stats")) return missingEntry("stats", expected);
  const d = firstDifference(expected, outcome.stats, "stats");
  if (d) return d;
  for (const key of Object.keys(outcome).sort(cmp)) {
    if (!MEMBERS.includes(key) || (key === "certificate" && ctx.format === "inspect-draw-outcome/1")) {
      return unexpectedEntry(key, outcome[key]);
    }
  }
  if (ctx.progress) ctx.progress("stats", 1);
  return null;
}
