// Scheduling, re-run (docs/draw-protocol.md section 8) and compared with the
// outcome (section 10 step 5, for the dates and the scheduling reasons).
//
// The staffed set is what team assignment gave: the outcome's visits with
// their teams, and the unfilled visits whose reason is a scheduling reason
// (section 9.1: codes no_common_day and days_fully_booked name their team; in
// format /1 the texts "no working day of the window on which the whole team
// (E1, E2) is available", "the team (E1, E2) is fully booked on ..."). The dates are recomputed from those teams alone; the result must give
// every visit's date and exactly those scheduling-unfilled visits, with their
// reasons. Whether the teams themselves are the optimal ones (section 7.3) is
// not this module's question.

import { cmp, cmpTuple, firstDifference, mismatch, ticker, visitNumber } from "./cli_text.js";

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

/**
 * Section 10 step 5 for scheduling. Assumes steps 1-4 passed (entries with their ids, tasks,
 * departments; teams keep the rules; dates are working days).
 */
export function checkSchedule(ctx) {
  const { instance, outcome, workdays } = ctx;
  const staffed = [];
  for (const section of ["visits", "unfilled"]) {
    if (!Array.isArray(outcome[section])) return mismatch(section, [], outcome[section] === undefined ? null : outcome[section]);
  }
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

