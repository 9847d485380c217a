// Which visits team assignment accepts (docs/draw-protocol.md 7.2), decided
// with a maximum flow, no min-cost flow: visits in ascending (priority, id);
// a visit with a department of fewer eligible inspectors than places is not
// accepted (too_few_eligible); otherwise it is accepted iff, department by
// department (ascending id), its place can be filled together with the
// places of the visits accepted before it — every place its count of distinct
// eligible inspectors, no inspector on more than cap(i) places — else the
// first department that cannot names the reason (capacity). Filling is by
// augmenting paths (breadth first); a visit that fails has its paths undone.
// Written from 7.2 and 9.1.

import { cmp } from "./cli_text.js";
import { Eligibility, staffOf } from "./eligibility.js";
import { RuleBook } from "./rules.js";

// The codes of visits 7.2 accepted and that were left unfilled later (7.4, 8).
export const AFTER_ACCEPTANCE = ["pair_conflict", "no_common_day", "days_fully_booked"];
const REFUSED = ["too_few_eligible", "capacity"];

/** Places of one department's accepted visits, their members and the inspectors' loads, with an undo log. */
class Flow {
  constructor(caps, log) {
    this.caps = caps;
    this.log = log;
    this.load = new Map();
    this.usedBy = new Map(); // inspector -> the places it fills
  }

  spare(i) { return (this.load.get(i) || 0) < this.caps.get(i); }

  add(p, i) {
    p.members.add(i);
    if (!this.usedBy.has(i)) this.usedBy.set(i, new Set());
    this.usedBy.get(i).add(p);
    this.log.push(() => { p.members.delete(i); this.usedBy.get(i).delete(p); });
  }

  remove(p, i) {
    p.members.delete(i);
    this.usedBy.get(i).delete(p);
    this.log.push(() => { p.members.add(i); this.usedBy.get(i).add(p); });
  }

  bump(i) {
    this.load.set(i, (this.load.get(i) || 0) + 1);
    this.log.push(() => this.load.set(i, this.load.get(i) - 1));
  }

  /** One more member for place `start`, moving others along a path if need be; false if none can be had. */
  augment(start) {
    for (const i of start.eligible) {
      if (!start.members.has(i) && this.spare(i)) { this.add(start, i); this.bump(i); return true; }
    }
    const reachedBy = new Map(); // inspector -> the place that would take it
    const givesUp = new Map(); // place -> the inspector it would give up
    const queue = [start];
    const seen = new Set([start]);
    for (let h = 0; h < queue.length; h++) {
      const p = queue[h];
      for (const i of p.eligible) {
        if (p.members.has(i) || reachedBy.has(i)) continue;
        reachedBy.set(i, p);
        if (this.spare(i)) {
          for (let j = i; j !== undefined;) {
            const q = reachedBy.get(j);
            this.add(q, j);
            const next = givesUp.get(q);
            if (next !== undefined) this.remove(q, next);
            j = next;
          }
          this.bump(i);
          return true;
        }
        for (const q of this.usedBy.get(i) || []) {
          if (seen.has(q)) continue;
          seen.add(q);
          givesUp.set(q, i);
          queue.push(q);
        }
      }
    }
    return false;
  }

  /** A new place with `count` members from `eligible`; false (the caller undoes) if it cannot be filled. */
  fill(eligible, count) {
    const place = { eligible, members: new Set() };
    for (let k = 0; k < count; k++) if (!this.augment(place)) return false;
    return true;
  }
}

/**
 * Section 7.2 over the visits of section 6: Map visit id -> null (accepted), or
 * {code, department, needed, eligible}: "too_few_eligible" with the first
 * department short of eligible inspectors, or "capacity" (9.1).
 */
export function acceptVisits(ctx) {
  const { instance, workdays, visitsExpected } = ctx;
  const book = new RuleBook(instance, workdays, new Set(visitsExpected.map((v) => v.uscc)));
  const eligibility = new Eligibility(book, staffOf(book));
  const ordered = [...visitsExpected].sort((a, b) => a.priority[0] - b.priority[0]
    || a.priority[1] - b.priority[1] || cmp(a.id, b.id));
  const log = [];
  const flows = new Map();
  const out = new Map();
  for (let n = 0; n < ordered.length; n++) {
    const visit = ordered[n];
    const entity = book.entities.get(visit.uscc);
    const need = book.requirement(visit);
    const quals = book.qualifications(visit);
    const places = [...need.keys()].sort(cmp).map((department) => [department, need.get(department),
      eligibility.of(entity, department, quals.get(department))]);
    const short = places.find(([, count, eligible]) => eligible.length < count);
    if (short) { // the first such department, for the message; reasons.js counts every one
      out.set(visit.id, { code: "too_few_eligible", department: short[0], needed: short[1], eligible: short[2].length });
      continue;
    }
    log.length = 0;
    let refused = null;
    for (const [department, count, eligible] of places) {
      if (!flows.has(department)) flows.set(department, new Flow(book.capacity, log));
      if (!flows.get(department).fill(eligible.all(), count)) {
        refused = { code: "capacity", department, needed: count, eligible: eligible.length };
        break;
      }
    }
    if (refused) while (log.length) log.pop()();
    out.set(visit.id, refused);
    if (ctx.progress && n % 256 === 0) ctx.progress("acceptance", n / ordered.length);
  }
  return out;
}

/**
 * Section 10 step 7 (formats /2 and /3): the outcome accepts (staffs, or
 * leaves unfilled with a code of AFTER_ACCEPTANCE) exactly the visits 7.2
 * accepts, gives each of them a team (staffed, or in
 * certificate.flow_teams) and no flow team to a visit 7.2 refuses (its place
 * would change the flow the certificate proved). The first visit in (priority, id) order where they
 * differ is named, as the CLI names it; an unfilled visit whose reason is no
 * object with a code of 9.1 is otherwise left to the comparison of the
 * reasons. Stores the decisions in ctx.acceptance for schedule.js.
 */
export function checkAcceptance(ctx) {
  const { outcome } = ctx;
  if (ctx.format === "inspect-draw-outcome/1") {
    return { status: "not_checked", detail: "format /1 states reasons as text (section 9.5); not checked" };
  }
  const decided = acceptVisits(ctx);
  ctx.acceptance = decided;
  const where = new Map();
  const found = new Set();
  const unknown = new Set();
  outcome.visits.forEach((entry, n) => { where.set(entry.id, `visits[${n}]`); found.add(entry.id); });
  outcome.unfilled.forEach((entry, n) => {
    where.set(entry.id, `unfilled[${n}].reason`);
    const reason = entry.reason;
    const code = reason !== null && typeof reason === "object" && !Array.isArray(reason) ? reason.code : undefined;
    if (AFTER_ACCEPTANCE.includes(code)) found.add(entry.id);
    else if (!REFUSED.includes(code)) unknown.add(entry.id);
  });
  const doc = outcome.certificate;
  const flowTeams = doc !== null && typeof doc === "object" && !Array.isArray(doc) ? doc.flow_teams : undefined;
  const flowed = new Set(flowTeams !== null && typeof flowTeams === "object" && !Array.isArray(flowTeams)
    ? Object.keys(flowTeams) : []);
  const teamed = new Set([...outcome.visits.map((entry) => entry.id), ...flowed]);
  const ordered = [...ctx.visitsExpected].sort((a, b) => a.priority[0] - b.priority[0]
    || a.priority[1] - b.priority[1] || cmp(a.id, b.id));
  for (const visit of ordered) {
    const accepted = decided.get(visit.id) === null;
    const path = where.get(visit.id);
    const at = (message) => ({ path, message: `${path}: ${visit.id} ${message}` });
    if (!accepted && flowed.has(visit.id)) { // its place would change the certified flow
      const flowPath = `certificate.flow_teams.${visit.id}`;
      return { path: flowPath, message: `${flowPath}: ${visit.id} is not accepted (section 7.2), so it has no flow ` +
        "team (section 7.5)" };
    }
    if (accepted && !teamed.has(visit.id) && (unknown.has(visit.id) || found.has(visit.id))) {
      return at("is accepted (section 7.2), but the outcome gives it no team: it is neither staffed nor in " +
        "certificate.flow_teams");
    }
    if (accepted === found.has(visit.id) || unknown.has(visit.id)) continue;
    if (accepted) {
      return at("is accepted (section 7.2): its places can all be filled together with those of the visits " +
        "accepted before it");
    }
    const { code, department, needed, eligible } = decided.get(visit.id);
    return at(code === "capacity"
      ? `is not accepted (section 7.2): the places of ${department} cannot all be filled together with those of ` +
        "the visits accepted before it"
      : `is not accepted (section 7.2): ${department} has fewer eligible inspectors (${eligible}) than places ` +
        `(${needed})`);
  }
  if (ctx.progress) ctx.progress("acceptance", 1);
  return null;
}
