// The pair-conflict repairs (docs/draw-protocol.md 7.4), made again from the
// flow teams of 7.3 — which the optimality certificate proves (7.5), so no
// solver is needed: teams holding a pair named in `pair_conflicts` are
// repaired in ascending (priority, id) by single swaps with an eligible
// inspector of the same department who is not on the team and has spare
// capacity (fewest clashing pairs left, then the lowest cost change, then the
// lowest (outgoing id, incoming id)); a team no swap improves becomes unfilled
// (pair_conflict, its first clashing pair) and releases its members' loads.
// Written from 7.4.

import { cmp } from "./cli_text.js";

const BIG = 2 ** 40;
const balance = (k, cap) => Math.floor((BIG * k) / cap); // exact: BIG * k < 2^53

/** The clashing pairs of a team, (smaller id, larger id), in order. */
function clashes(team, partners) {
  const members = [...team].sort(cmp);
  const out = [];
  for (let a = 0; a < members.length; a++) {
    const mine = partners.get(members[a]);
    if (!mine) continue;
    for (let b = a + 1; b < members.length; b++) if (mine.has(members[b])) out.push([members[a], members[b]]);
  }
  return out;
}

/** Inspector -> the inspectors it must not serve with (pairs as a set of unordered pairs). */
function partnersOf(instance) {
  const partners = new Map();
  for (const p of instance.pair_conflicts || []) {
    if (p.a === p.b) continue;
    for (const [x, y] of [[p.a, p.b], [p.b, p.a]]) {
      if (!partners.has(x)) partners.set(x, new Set());
      partners.get(x).add(y);
    }
  }
  return partners;
}

/**
 * Section 7.4. `accepted`: the accepted visits in (priority, id) order, each
 * {visit, uscc, team (its flow team), eligibleOf(department) -> eligible ids};
 * `caps`: inspector -> cap; `cost(uscc, ids)` -> r(v, i) of each id. Returns
 * {teams: Map id -> repaired team (sorted), unfilled: Map id -> reason}.
 */
export function repairTeams(instance, accepted, inspectors, caps, cost) {
  const teams = new Map(accepted.map((a) => [a.visit.id, [...a.team].sort(cmp)]));
  const unfilled = new Map();
  const partners = partnersOf(instance);
  if (!partners.size) return { teams, unfilled };
  const loads = new Map();
  for (const team of teams.values()) for (const i of team) loads.set(i, (loads.get(i) || 0) + 1);
  const load = (i) => loads.get(i) || 0;
  for (const a of accepted) {
    const team = [...teams.get(a.visit.id)];
    let found = clashes(team, partners);
    if (!found.length) continue;
    const costs = new Map(); // department -> Map(id -> r(v, id))
    for (;;) {
      let best = null;
      for (const out of [...new Set(found.flat())].sort(cmp)) {
        const department = inspectors.get(out).department;
        const eligible = a.eligibleOf(department);
        if (!costs.has(department)) {
          const r = cost(a.uscc, eligible);
          costs.set(department, new Map(eligible.map((id, n) => [id, r[n]])));
        }
        const r = costs.get(department);
        const rest = team.filter((m) => m !== out);
        for (const j of eligible) {
          if (team.includes(j) || load(j) >= caps.get(j)) continue;
          const left = clashes([...rest, j], partners).length;
          if (left >= found.length) continue;
          const delta = (balance(load(j) + 1, caps.get(j)) + r.get(j)) - (balance(load(out), caps.get(out)) + r.get(out));
          const key = [left, delta, out, j];
          if (best === null || key[0] < best[0] || (key[0] === best[0] && (key[1] < best[1] || (key[1] === best[1]
              && (cmp(key[2], best[2]) < 0 || (key[2] === best[2] && cmp(key[3], best[3]) < 0)))))) best = key;
        }
      }
      if (best === null) {
        unfilled.set(a.visit.id, { code: "pair_conflict", inspectors: [...found[0]] });
        teams.delete(a.visit.id);
        for (const i of team) loads.set(i, load(i) - 1);
        break;
      }
      const [, , out, j] = best;
      team[team.indexOf(out)] = j;
      loads.set(out, load(out) - 1);
      loads.set(j, load(j) + 1);
      found = clashes(team, partners);
      if (!found.length) {
        teams.set(a.visit.id, team.sort(cmp));
        break;
      }
    }
  }
  return { teams, unfilled };
}
