// Step 4 of the verification (docs/draw-protocol.md section 10): the rules on
// every staffed visit, and across visits the capacity and the daily limit.
//
// Written from sections 7.1 (places, qualifications, capacity, eligibility
// rules 1-8), 7.4 (pair conflicts) and 8 (availability on the date, daily
// limit). checkRules(ctx) returns null if every staffed visit keeps every rule,
// else the first discrepancy {path, message} worded as the CLI words it.

import { cmp, isoDay, mismatch, policyOf, ruleViolation, taskDepartments, ticker } from "./cli_text.js";

// The reasons of section 7.1, in rule order.
export const OUTSIDE_JURISDICTION = "outside jurisdiction";
export const INACTIVE = "inactive";
export const NO_CERTIFICATE = "no certificate";
export const CERTIFICATE_EXPIRED = "certificate expired";
export const NOT_QUALIFIED = "not qualified";
export const NO_AVAILABLE_DAY = "no available day";
export const NO_CAPACITY = "no capacity";
export const DECLARED_CONFLICT = "declared conflict";
export const CHECKED_LAST_TIME = "checked last time";
export const LOCAL_SUPERVISOR = "local supervisor";

/** Indexes of the instance that the rules need, built once per verification. */
export class RuleBook {
  constructor(instance, workdays, wantedUscc = null) {
    this.instance = instance;
    this.policy = policyOf(instance);
    this.workdays = workdays;
    this.workdaySet = new Set(workdays);
    this.windowEnd = instance.window.end;
    this.tasks = new Map((instance.tasks || []).map((t) => [t.id, t]));
    this.items = new Map((instance.items || []).map((i) => [i.id, i]));
    this.departmentNames = new Map((instance.departments || []).map((d) => [d.id, d.name]));
    this.inspectors = new Map();
    this.available = new Map(); // inspector id -> |a(i)|
    this.capacity = new Map(); // inspector id -> cap(i)
    this.unavailable = new Map(); // inspector id -> Set of dates
    const daily = this.policy.daily_visits_per_inspector;
    for (const i of instance.inspectors || []) {
      const off = new Set(i.unavailable || []);
      let a = 0;
      for (const d of workdays) if (!off.has(d)) a++;
      const maxVisits = i.max_visits === undefined ? 30 : i.max_visits;
      this.inspectors.set(i.id, i);
      this.unavailable.set(i.id, off);
      this.available.set(i.id, a);
      this.capacity.set(i.id, Math.max(0, Math.min(maxVisits, daily * a)));
    }
    this.conflicts = new Set((instance.conflicts || []).map((c) => c.inspector + "\u0000" + c.uscc));
    this.pairs = new Set();
    for (const p of instance.pair_conflicts || []) {
      this.pairs.add(p.a + "\u0000" + p.b);
      this.pairs.add(p.b + "\u0000" + p.a);
    }
    this.entities = new Map();
    for (const e of instance.entities || []) {
      if (wantedUscc === null || wantedUscc.has(e.uscc)) this.entities.set(e.uscc, e);
    }
    this.qualCache = new Map();
  }

  departmentName(id) {
    return this.departmentNames.has(id) ? this.departmentNames.get(id) : id;
  }

  /** Places of section 7.1: department -> count. */
  requirement(visit) {
    const departments = visit.departments;
    const tasks = visit.tasks.map((t) => this.tasks.get(t));
    const p = this.policy;
    if (departments.length === 1) {
      return new Map([[departments[0], Math.max(p.min_team_size, ...tasks.map(perVisit))]]);
    }
    const joint = tasks.filter((t) => taskDepartments(t).length > 1).map(perVisit);
    const total = Math.max(p.min_team_size, departments.length, ...joint);
    const need = new Map(departments.map((d) => [d, 1]));
    const lead = tasks.length ? tasks[0].department : departments[0];
    const sorted = [...departments].sort(cmp);
    const order = need.has(lead) ? [lead, ...sorted.filter((d) => d !== lead)] : sorted;
    for (let k = 0; k < total - departments.length; k++) {
      const d = order[k % order.length];
      need.set(d, need.get(d) + 1);
    }
    return need;
  }

  /** Qualifications of section 7.1: department -> Set of qualifications. */
  qualifications(visit) {
    const key = visit.tasks.join("\u0000") + "\u0001" + visit.departments.join("\u0000");
    let found = this.qualCache.get(key);
    if (found) return found;
    found = new Map(visit.departments.map((d) => [d, new Set()]));
    for (const taskId of visit.tasks) {
      const task = this.tasks.get(taskId);
      for (const itemId of task.items) {
        const item = this.items.get(itemId);
        if (!item || item.qualification === undefined || item.qualification === null) continue;
        const owner = found.has(item.department) ? item.department : task.department;
        if (found.has(owner)) found.get(owner).add(item.qualification);
      }
    }
    this.qualCache.set(key, found);
    return found;
  }

  /** The first failing rule of 7.1 (2-8; rule 1's department half is checked by the caller), or null. */
  reason(inspector, entity, department, qualifications) {
    const p = this.policy;
    const k = p.jurisdiction_digits;
    if (k > 0 && String(inspector.district).slice(0, k) !== String(entity.district).slice(0, k)) {
      return OUTSIDE_JURISDICTION;
    }
    if (inspector.active === false) return INACTIVE;
    const cert = inspector.certificate_expires;
    if (cert === undefined || cert === null) return NO_CERTIFICATE;
    if (cert < this.windowEnd) return CERTIFICATE_EXPIRED;
    const held = new Set(inspector.qualifications || []);
    for (const q of qualifications) if (!held.has(q)) return NOT_QUALIFIED;
    if (this.available.get(inspector.id) === 0) return NO_AVAILABLE_DAY;
    if (this.capacity.get(inspector.id) <= 0) return NO_CAPACITY;
    if (this.conflicts.has(inspector.id + "\u0000" + entity.uscc)) return DECLARED_CONFLICT;
    if (p.rotation && lastTeam(entity, department).has(inspector.id)) return CHECKED_LAST_TIME;
    if (p.exclude_local_supervisor && inspector.district === entity.district) return LOCAL_SUPERVISOR;
    return null;
  }

  /** Every violation of one staffed, dated visit (teams.VisitChecker.check), in the CLI's order. */
  check(visit, team, day) {
    const problems = [];
    const id = visit.id;
    if (!this.workdaySet.has(day)) problems.push(`${id}: ${day} is not a working day of the window`);
    const entity = this.entities.get(visit.uscc);
    if (!entity) return [...problems, `${id}: entity ${visit.uscc} is not in the instance`];
    const members = [...new Set(team)].sort(cmp);
    if (members.length !== team.length) problems.push(`${id}: an inspector appears twice in the team`);
    const need = this.requirement(visit);
    const quals = this.qualifications(visit);
    const counts = new Map([...need.keys()].map((d) => [d, 0]));
    for (const inspectorId of members) {
      const inspector = this.inspectors.get(inspectorId);
      if (!inspector) {
        problems.push(`${id}: inspector ${inspectorId} is not in the instance`);
        continue;
      }
      const department = inspector.department;
      if (!need.has(department)) {
        problems.push(`${id}: ${inspectorId} belongs to ${this.departmentName(department)}, which is not on this visit`);
        continue;
      }
      counts.set(department, counts.get(department) + 1);
      const reason = this.reason(inspector, entity, department, quals.get(department));
      if (reason !== null) problems.push(`${id}: ${inspectorId} is not eligible (${reason})`);
      if (this.unavailable.get(inspectorId).has(day)) problems.push(`${id}: ${inspectorId} is unavailable on ${day}`);
    }
    for (const department of [...need.keys()].sort(cmp)) {
      if (counts.get(department) !== need.get(department)) {
        problems.push(`${id}: ${this.departmentName(department)} has ${counts.get(department)} ` +
          `inspector(s) on the team, ${need.get(department)} required`);
      }
    }
    for (let a = 0; a < members.length; a++) {
      for (let b = a + 1; b < members.length; b++) {
        if (this.pairs.has(members[a] + "\u0000" + members[b])) {
          problems.push(`${id}: ${members[a]} and ${members[b]} must not serve on one team`);
        }
      }
    }
    return problems;
  }
}

function perVisit(task) {
  return task.inspectors_per_visit === undefined ? 2 : task.inspectors_per_visit;
}

/** Inspectors of the entity's most recent check by `department` (7.1 rule 7). */
export function lastTeam(entity, department) {
  let latest = null;
  for (const c of entity.last_checks || []) {
    if (c.department === department && (latest === null || c.date > latest)) latest = c.date;
  }
  const out = new Set();
  if (latest === null) return out;
  for (const c of entity.last_checks) {
    if (c.department === department && c.date === latest) for (const i of c.inspectors || []) out.add(i);
  }
  return out;
}

/** Section 10 step 4. Assumes steps 1-3 passed: every entry of `visits` is a drawn entity with the
 *  id, tasks and departments of section 6. */
export function checkRules(ctx) {
  const { instance, outcome, workdays } = ctx;
  const entries = outcome.visits;
  if (!Array.isArray(entries)) return mismatch("visits", [], entries === undefined ? null : entries);
  const wanted = new Set(entries.map((e) => e.uscc));
  const book = new RuleBook(instance, workdays, wanted);
  const byUscc = new Map();
  for (const v of ctx.visitsExpected || []) byUscc.set(v.uscc, v);
  const tick = ticker(ctx.progress, "rules", entries.length);
  const load = new Map();
  const daily = new Map(); // inspector -> Map(day -> visits)
  for (let n = 0; n < entries.length; n++) {
    const entry = entries[n];
    const at = `visits[${n}]`;
    const team = entry.team;
    if (!Array.isArray(team) || !team.every((i) => typeof i === "string")) {
      return mismatch(at + ".team", ["inspector ids"], team === undefined ? null : team);
    }
    const day = isoDay(entry.date);
    if (day === null) return mismatch(at + ".date", "YYYY-MM-DD", entry.date === undefined ? null : entry.date);
    if (!book.workdaySet.has(day)) return ruleViolation(at + ".date", `${day} is not a working day of the window`);
    const visit = byUscc.get(entry.uscc) || entry;
    const violations = book.check(visit, team, day);
    if (violations.length) return ruleViolation(at, violations[0]);
    for (const i of team) {
      load.set(i, (load.get(i) || 0) + 1);
      let days = daily.get(i);
      if (!days) daily.set(i, (days = new Map()));
      days.set(day, (days.get(day) || 0) + 1);
    }
    tick(n + 1);
  }
  for (const i of [...load.keys()].sort(cmp)) {
    const inspector = book.inspectors.get(i);
    const cap = inspector ? (inspector.max_visits === undefined ? 30 : inspector.max_visits) : 0;
    if (load.get(i) > cap) {
      return ruleViolation("visits", `inspector ${i} has ${load.get(i)} visits, more than their capacity of ${cap}`);
    }
  }
  const limit = book.policy.daily_visits_per_inspector;
  for (const i of [...daily.keys()].sort(cmp)) {
    const days = daily.get(i);
    for (const day of [...days.keys()].sort()) {
      if (days.get(day) > limit) {
        return ruleViolation("visits", `inspector ${i} has ${days.get(day)} visits on ${day}, more than the daily limit of ${limit}`);
      }
    }
  }
  if (ctx.progress) ctx.progress("rules", 1);
  return null;
}

