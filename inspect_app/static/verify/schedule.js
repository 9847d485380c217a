// Scheduling, re-run (docs/draw-protocol.md section 8) and compared with the
// outcome (section 10 step 8, for the teams, the dates and the scheduling
// reasons).
//
// Formats /2 and /3: the staffed set is recomputed — the visits 7.2 accepts
// (acceptance.js), each with its flow team (the outcome's team, or
// certificate.flow_teams; the certificate check proved them), repaired as 7.4
// says (repairs.js) — and scheduled; the visits are compared here, and the
// unfilled visits with every reason are left for reasons.js. Format /1: the
// staffed set is what the outcome gives (its visits with their teams, and the
// unfilled visits whose reason text names a team) and only the dates and the
// scheduling reasons are recomputed.

import { cmp, cmpTuple, firstDifference, mismatch, ticker, visitNumber } from "./cli_text.js";
import { levelCosts } from "./certificate.js";
import { Eligibility, staffOf } from "./eligibility.js";
import { membersOf, shortages } from "./reasons.js";
import { repairTeams } from "./repairs.js";
import { RuleBook } from "./rules.js";

const NO_COMMON_DAY = /^no working day of the window on which the whole team \((.*)\) is available$/;
const FULLY_BOOKED = /^the team \((.*)\) is fully booked on all \d+ working days on which all of them are available \(at most \d+ visits per inspector and day\)$/;

export const noCommonDay = (team) => `no working day of the window on which the whole team (${team.join(", ")}) is available`;
export const daysFullyBooked = (team, days, limit) =>
  `the team (${team.join(", ")}) is fully booked on all ${days} working days on which all of them ` +
  `are available (at most ${limit} visits per inspector and day)`;

/** The team named by a scheduling reason (a code of format /2 or a text of /1), or null if `reason` is not one. */
export function schedulingTeam(reason) {
  if (reason !== null && typeof reason === "object" && !Array.isArray(reason)) {
    if (reason.code !== "no_common_day" && reason.code !== "days_fully_booked") return null;
    const team = reason.team;
    return Array.isArray(team) && team.length && team.every((i) => typeof i === "string") ? team : null;
  }
  if (typeof reason !== "string") return null;
  const m = NO_COMMON_DAY.exec(reason) || FULLY_BOOKED.exec(reason);
  return m ? m[1].split(", ") : null;
}

/**
 * Section 8. `staffed`: [{id, uscc, team (sorted ids)}]; returns {dates: Map(id -> day), unscheduled:
 * Map(id -> reason)}: reason objects (section 9.1) with `codes`, else the format /1 texts.
 */
export function scheduleVisits(instance, staffed, workdays, progress = null, codes = false) {
  const days = [...workdays].sort();
  const D = days.length;
  const limit = instance.policy && instance.policy.daily_visits_per_inspector !== undefined
    ? instance.policy.daily_visits_per_inspector : 3;
  const inspectors = new Map((instance.inspectors || []).map((i) => [i.id, i]));
  const wanted = new Set(staffed.map((v) => v.uscc));
  const districtOf = new Map();
  for (const e of instance.entities || []) if (wanted.has(e.uscc)) districtOf.set(e.uscc, e.district);

  const groups = new Map(); // key -> {team, district, ids}
  for (const v of [...staffed].sort((a, b) => cmp(a.id, b.id))) {
    const team = [...v.team].sort(cmp);
    const district = districtOf.get(v.uscc);
    const key = JSON.stringify([team, district]);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { team, district, ids: [] }));
    g.ids.push(v.id);
  }
  const FREE = null;
  const MIXED = {};
  const available = new Map(); // inspector -> Uint8Array (1 = available that day)
  const empty = new Map(); // inspector -> Uint8Array (1 = available and no visit yet)
  const load = new Map();
  const districtOfDay = new Map();
  for (const g of groups.values()) {
    for (const i of g.team) {
      if (available.has(i)) continue;
      const off = new Set((inspectors.get(i) || {}).unavailable || []);
      const row = new Uint8Array(D);
      for (let d = 0; d < D; d++) row[d] = off.has(days[d]) ? 0 : 1;
      available.set(i, row);
      empty.set(i, Uint8Array.from(row));
      load.set(i, new Int32Array(D));
      districtOfDay.set(i, new Array(D).fill(FREE));
    }
  }
  const perDay = new Int32Array(D);
  const commonDays = (team) => {
    const ok = new Uint8Array(D).fill(1);
    for (const i of team) {
      const row = available.get(i);
      for (let d = 0; d < D; d++) ok[d] &= row[d];
    }
    return ok;
  };
  const count = (mask) => mask.reduce((s, x) => s + x, 0);
  const order = [...groups.values()].map((g) => ({ g, ok: commonDays(g.team) }));
  for (const o of order) o.n = count(o.ok);
  order.sort((a, b) => a.n - b.n || b.g.ids.length - a.g.ids.length || cmpTuple(a.g.team, b.g.team) ||
    cmp(a.g.district, b.g.district));

  const dates = new Map();
  const unscheduled = new Map();
  const tick = ticker(progress, "schedule", order.length);
  let done = 0;
  for (const { g, ok, n: okCount } of order) {
    const { team, district } = g;
    let pending = g.ids;
    while (pending.length) {
      const chunk = Math.min(pending.length, limit);
      let day = -1;
      let room = 0;
      // A day nobody on the team works yet: the quietest, the earliest.
      for (let d = 0; d < D; d++) {
        if (!ok[d]) continue;
        let free = true;
        for (const i of team) if (!empty.get(i)[d]) { free = false; break; }
        if (free && (day < 0 || perDay[d] < perDay[day])) day = d;
      }
      if (day >= 0) {
        room = limit;
      } else {
        const candidates = [];
        for (let d = 0; d < D; d++) {
          if (!ok[d]) continue;
          let busiest = 0, total = 0, elsewhere = 0;
          for (const i of team) {
            const l = load.get(i)[d];
            if (l > busiest) busiest = l;
            total += l;
            const seen = districtOfDay.get(i)[d];
            if (seen !== FREE && seen !== district) elsewhere++;
          }
          if (busiest >= limit) continue;
          candidates.push([limit - busiest, elsewhere, busiest, total, perDay[d], d]);
        }
        if (candidates.length) {
          const need = Math.min(chunk, Math.max(...candidates.map((c) => c[0])));
          let best = null;
          for (const c of candidates) {
            if (c[0] < need) continue;
            if (best === null || c[1] < best[1] || (c[1] === best[1] && (c[2] < best[2] || (c[2] === best[2] &&
                (c[3] < best[3] || (c[3] === best[3] && (c[4] < best[4] || (c[4] === best[4] && c[5] < best[5])))))))) {
              best = c;
            }
          }
          room = best[0];
          day = best[5];
        }
      }
      if (day < 0) {
        const reason = codes
          ? (okCount === 0 ? { code: "no_common_day", team: [...team] }
            : { code: "days_fully_booked", team: [...team], days: okCount, limit })
          : okCount === 0 ? noCommonDay(team) : daysFullyBooked(team, okCount, limit);
        for (const id of pending) unscheduled.set(id, reason);
        break;
      }
      const take = Math.min(chunk, room);
      const placed = pending.slice(0, take);
      pending = pending.slice(take);
      for (const id of placed) dates.set(id, days[day]);
      perDay[day] += placed.length;
      for (const i of team) {
        load.get(i)[day] += placed.length;
        empty.get(i)[day] = 0;
        const row = districtOfDay.get(i);
        const seen = row[day];
        row[day] = seen === FREE || seen === district ? district : MIXED;
      }
    }
    tick(++done);
  }
  return { dates, unscheduled };
}

const byNumber = (a, b) => visitNumber(a.id) - visitNumber(b.id) || cmp(a.id, b.id);

function checkRecomputed(ctx, { ordered, teams, unfilled }) {
  const { instance, outcome, workdays } = ctx;
  const staffed = ordered.filter((v) => teams.has(v.id)).map((v) => ({ id: v.id, uscc: v.uscc, tasks: v.tasks,
    departments: v.departments, team: teams.get(v.id) }));
  const { dates, unscheduled } = scheduleVisits(instance, staffed, workdays, ctx.progress, true);
  const expectedVisits = staffed.filter((v) => dates.has(v.id)).sort(byNumber).map((v) => ({
    id: v.id, uscc: v.uscc, tasks: v.tasks, departments: v.departments, team: v.team, date: dates.get(v.id),
  }));
  const d = firstDifference(expectedVisits, outcome.visits, "visits");
  if (d) return d;
  const reasons = refusals(ctx);
  for (const [id, reason] of unfilled) reasons.set(id, reason);
  for (const [id, reason] of unscheduled) reasons.set(id, reason);
  // compared by the reasons check, next (reasons.js): the CLI compares the unfilled visits after the visits
  ctx.recomputed = ctx.visitsExpected.filter((v) => reasons.has(v.id)).sort(byNumber)
    .map((v) => ({ id: v.id, uscc: v.uscc, tasks: v.tasks, reason: reasons.get(v.id) }));
  if (ctx.progress) ctx.progress("schedule", 1);
  return null;
}

/**
 * Formats /2 and /3, once acceptance.js decided 7.2 (ctx.acceptance): every
 * accepted visit's flow team (its outcome team, or certificate.flow_teams),
 * which the certificate check proved, then 7.4's repairs made again; null if
 * an accepted visit has no flow team in the outcome (then only the outcome's
 * own teams can be scheduled).
 */
function recomputedTeams(ctx) {
  const { instance, outcome, workdays, visitsExpected, acceptance } = ctx;
  const doc = outcome.certificate;
  const flowTeams = doc !== null && typeof doc === "object" && doc.flow_teams !== null
    && typeof doc.flow_teams === "object" ? doc.flow_teams : {};
  const teamOf = new Map(outcome.visits.map((v) => [v.id, v.team]));
  for (const [id, team] of Object.entries(flowTeams)) teamOf.set(id, team);
  const ordered = [...visitsExpected].filter((v) => acceptance.get(v.id) === null)
    .sort((a, b) => a.priority[0] - b.priority[0] || a.priority[1] - b.priority[1] || cmp(a.id, b.id));
  if (!ordered.every((v) => Array.isArray(teamOf.get(v.id)) && teamOf.get(v.id).every((i) => typeof i === "string"))) {
    return null;
  }
  const book = new RuleBook(instance, workdays, new Set(ordered.map((v) => v.uscc)));
  const eligibility = new Eligibility(book, staffOf(book));
  const accepted = ordered.map((visit) => {
    const entity = book.entities.get(visit.uscc);
    const quals = book.qualifications(visit);
    return { visit, uscc: visit.uscc, team: teamOf.get(visit.id),
      eligibleOf: (department) => eligibility.of(entity, department, quals.get(department)).all() };
  });
  const cost = (uscc, ids) => levelCosts(ctx.hmac, uscc, ids, 1)[0];
  return { ordered, ...repairTeams(instance, accepted, book.inspectors, book.capacity, cost) };
}

/** Section 9.1's reason of every visit 7.2 did not accept. */
function refusals(ctx) {
  const { instance, workdays, visitsExpected, acceptance } = ctx;
  const refused = visitsExpected.filter((v) => acceptance.get(v.id) !== null);
  const book = new RuleBook(instance, workdays, new Set(refused.map((v) => v.uscc)));
  const members = membersOf(instance);
  return new Map(refused.map((v) => [v.id, acceptance.get(v.id).code === "capacity" ? acceptance.get(v.id)
    : { code: "too_few_eligible", departments: shortages(book, v, members) }]));
}

/**
 * Section 10 step 8 for the visits and the unfilled visits: with the teams of
 * recomputedTeams, every team, date and reason is recomputed and the visits
 * compared as the CLI compares them (the unfilled visits, with their reasons,
 * left in ctx.recomputed for reasons.js); else the
 * outcome's own teams are scheduled again and its other reasons kept.
 * Assumes steps 1-4 passed (entries with their ids, tasks, departments; teams
 * keep the rules; dates are working days).
 */
export function checkSchedule(ctx) {
  const { instance, outcome, workdays } = ctx;
  const staffed = [];
  for (const section of ["visits", "unfilled"]) {
    if (!Array.isArray(outcome[section])) return mismatch(section, [], outcome[section] === undefined ? null : outcome[section]);
  }
  const teams = ctx.acceptance && ctx.format !== "inspect-draw-outcome/1" ? recomputedTeams(ctx) : null;
  if (teams) return checkRecomputed(ctx, teams);
  for (const v of outcome.visits) {
    const team = Array.isArray(v.team) ? v.team.filter((i) => typeof i === "string") : [];
    staffed.push({ id: v.id, uscc: v.uscc, tasks: v.tasks, departments: v.departments, team: team.sort(cmp) });
  }
  const departmentsOf = new Map((ctx.visitsExpected || []).map((v) => [v.id, v.departments]));
  const known = new Set((instance.inspectors || []).map((x) => x.id));
  const kept = []; // unfilled by team assignment: not re-checked here
  for (const u of outcome.unfilled) {
    const team = schedulingTeam(u.reason);
    if (team && team.every((i) => known.has(i))) {
      staffed.push({ id: u.id, uscc: u.uscc, tasks: u.tasks, departments: departmentsOf.get(u.id) || null, team: [...team].sort(cmp) });
    } else {
      kept.push(u);
    }
  }
  const codes = ctx.format !== "inspect-draw-outcome/1";
  const { dates, unscheduled } = scheduleVisits(instance, staffed, workdays, ctx.progress, codes);
  const expectedVisits = staffed.filter((v) => dates.has(v.id)).sort(byNumber).map((v) => ({
    id: v.id, uscc: v.uscc, tasks: v.tasks, departments: v.departments, team: v.team, date: dates.get(v.id),
  }));
  // Teams are listed sorted by id (section 9); a team out of order is reported as the CLI reports it.
  const d = firstDifference(expectedVisits, outcome.visits, "visits");
  if (d) return d;
  const expectedUnfilled = [
    ...kept.map((u) => ({ id: u.id, uscc: u.uscc, tasks: u.tasks, reason: u.reason })),
    ...staffed.filter((v) => unscheduled.has(v.id)).map((v) => ({ id: v.id, uscc: v.uscc, tasks: v.tasks, reason: unscheduled.get(v.id) })),
  ].sort(byNumber);
  for (const u of expectedUnfilled) if (u.reason === undefined) u.reason = "a reason";
  const e = firstDifference(expectedUnfilled, outcome.unfilled, "unfilled");
  if (e) return e;
  if (ctx.progress) ctx.progress("schedule", 1);
  return null;
}

