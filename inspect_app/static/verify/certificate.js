// The optimality certificate of the team flows (docs/draw-protocol.md 7.5),
// checked without solving: the potentials of every level give each move of the
// contracted residual graph a reduced cost >= 0 (so the teams of 7.3 are
// optimal), and the moves of reduced cost 0 at the last level form no cycle
// (so they are the unique lexicographic optimum). Written from 7.5.

import { cmp } from "./cli_text.js";
import { mismatch } from "./difference.js";
import { isObject } from "./json.js";
import { Eligibility, staffOf } from "./eligibility.js";
import { RuleBook } from "./rules.js";

const SINK = "";
const MAX_LEVELS = 10;
const FORMAT_3 = "inspect-draw-outcome/3";
const BOUND = 16; // the candidates a place offers the team flow from format /3 on (7.3)
const BIG = 2 ** 40;
const RANDOM_RANGE = 2 ** 24; // r(v, i) < 2^24 (7.3)
const SHOWN = 6;

const balance = (k, cap) => Math.floor((BIG * k) / cap); // exact: BIG * k < 2^53
const fail = (path, message) => ({ path, message: `${path}: ${message}` });
const name = (node) => node || "sink";

/** Level-k costs of `ids` for the entity: bytes 3k..3k+2 of HMAC(seed, "assign:" + USCC + ":" + id). */
export function levelCosts(hmac, uscc, ids, levels) {
  const encoder = new TextEncoder();
  const out = Array.from({ length: levels }, () => []);
  for (const id of ids) {
    const mac = hmac(encoder.encode(`assign:${uscc}:${id}`));
    for (let k = 0; k < levels; k++) out[k].push(mac[3 * k] * 65536 + mac[3 * k + 1] * 256 + mac[3 * k + 2]);
  }
  return out;
}

/**
 * The place's candidates (7.3, format /3): with more than `bound` eligible
 * inspectors, the first `bound` distinct picks eligible[x mod n], x the 8-byte
 * big-endian words of HMAC(seed, "cand:" + USCC + ":" + department + ":" + b),
 * four per block b = 0, 1, ...; sorted by id.
 */
export function candidates(hmac, uscc, department, eligible, bound) {
  const n = eligible.length;
  if (bound === null || n <= bound) return eligible.all();
  const encoder = new TextEncoder();
  const taken = new Set();
  const high = 2 ** 32 % n;
  for (let block = 0; taken.size < bound; block++) {
    const mac = hmac(encoder.encode(`cand:${uscc}:${department}:${block}`));
    for (let w = 0; w < 4 && taken.size < bound; w++) {
      const word = (k) => ((mac[k] * 256 + mac[k + 1]) * 256 + mac[k + 2]) * 256 + mac[k + 3];
      // (hi * 2^32 + lo) mod n without leaving the safe integers: n < 2^21
      taken.add(((word(8 * w) % n) * high + word(8 * w + 4) % n) % n);
    }
  }
  return [...taken].sort((a, b) => a - b).map((x) => eligible.at(x));
}

/** certificate.widened (format /3): part name ("V00042 SCJG") -> the default bound doubled one or more times. */
function widenedBounds(doc) {
  const widened = doc.widened;
  if (!isObject(widened)) return mismatch("certificate.widened", { "V00001 SCJG": 2 * BOUND }, widened === undefined ? null : widened);
  for (const [part, bound] of Object.entries(widened)) {
    const times = Number.isSafeInteger(bound) && bound > BOUND && bound % BOUND === 0 ? bound / BOUND : 0;
    if (!times || (times & (times - 1))) return mismatch(`certificate.widened.${part}`, `${BOUND} doubled one or more times`, bound);
  }
  return null;
}

/**
 * Each place's part name (7.3): places whose pools share an inspector form
 * one part, named by its first place in (priority, visit id) order, "V00042
 * SCJG". `places` are [visit, department, pool ids] in that order.
 */
function partNames(places) {
  const parent = new Map();
  const find = (x) => {
    while (parent.get(x) !== x) { parent.set(x, parent.get(parent.get(x))); x = parent.get(x); }
    return x;
  };
  const seen = new Set();
  for (const [, , pool] of places) {
    if (!pool.length || seen.has(pool)) continue;
    seen.add(pool);
    for (const i of pool) if (!parent.has(i)) parent.set(i, i);
    const root = find(pool[0]);
    for (const i of pool) { const r = find(i); if (r !== root) parent.set(r, root); }
  }
  const named = new Map(), out = new Map();
  for (const [visit, department, pool] of places) {
    if (!pool.length) continue;
    const root = find(pool[0]);
    if (!named.has(root)) named.set(root, `${visit.id} ${department}`);
    out.set(`${visit.id} ${department}`, named.get(root));
  }
  return out;
}

/** Every move of the contracted residual graph with its level cost: [tail, head, cost, place]. */
function moves(places, caps, level) {
  const out = [];
  const loads = new Map();
  const nodes = new Set();
  for (const p of places) {
    const members = new Set(p.members);
    const cost = new Map(p.eligible.map((i, n) => [i, p.costs[level][n]]));
    for (const j of p.members) {
      loads.set(j, (loads.get(j) || 0) + 1);
      for (const i of p.eligible) if (!members.has(i)) out.push([j, i, cost.get(i) - cost.get(j), p.name]);
    }
    for (const i of p.eligible) nodes.add(i);
  }
  for (const i of [...nodes].sort(cmp)) {
    const load = loads.get(i) || 0, cap = caps.get(i);
    if (load >= 1) out.push([SINK, i, level === 0 ? -balance(load, cap) : 0, SINK]);
    if (load < cap) out.push([i, SINK, level === 0 ? balance(load + 1, cap) : 0, SINK]);
  }
  return out;
}

/** Node -> component number for the nodes of strongly connected components with a cycle (Tarjan). */
export function cyclicNodes(edges) {
  const succ = new Map();
  for (const [u, v] of edges) {
    if (!succ.has(u)) succ.set(u, []);
    if (!succ.has(v)) succ.set(v, []);
    succ.get(u).push(v);
  }
  const index = new Map(), low = new Map(), stack = [], on = new Set(), out = new Map();
  let components = 0;
  for (const root of [...succ.keys()].sort(cmp)) {
    if (index.has(root)) continue;
    const work = [[root, 0]];
    while (work.length) {
      const [node, k] = work.pop();
      if (k === 0) {
        index.set(node, index.size); low.set(node, index.get(node));
        stack.push(node); on.add(node);
      }
      const next = succ.get(node);
      if (k < next.length) {
        work.push([node, k + 1]);
        const n = next[k];
        if (!index.has(n)) work.push([n, 0]);
        else if (on.has(n)) low.set(node, Math.min(low.get(node), index.get(n)));
        continue;
      }
      if (work.length) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(node)));
      }
      if (low.get(node) === index.get(node)) {
        const members = [];
        for (;;) {
          const top = stack.pop();
          on.delete(top);
          members.push(top);
          if (top === node) break;
        }
        if (members.length > 1) {
          for (const m of members) out.set(m, components);
          components++;
        }
      }
    }
  }
  return out;
}

/**
 * No part should have widened beyond its K (7.3): where K is below the largest
 * eligible count of the part's places, no place p has a member j and an
 * inspector i eligible for p who is not a member, with L_i < cap(i) and
 * b(L_i + 1) + 2^24 <= b(L_j) (L the loads of the part's flow). Reported: the
 * first such place by visit id and department, j its member of largest b(L_j)
 * (then smallest id), i the eligible non-member with spare capacity of least
 * b(L_i + 1) (then smallest id). After the levels passed, i is no candidate.
 */
export function checkWidening(places, caps, boundOf) {
  const loads = new Map(), widest = new Map(), ranked = new Map();
  for (const p of places) {
    for (const j of p.members) loads.set(j, (loads.get(j) || 0) + 1);
    widest.set(p.part, Math.max(widest.get(p.part) || 0, p.eligibleCount));
  }
  const load = (i) => loads.get(i) || 0;
  for (const p of places) {
    const bound = boundOf(p.part);
    if (bound === null || bound >= widest.get(p.part) || !p.members.length) continue;
    const top = Math.max(...p.members.map((j) => balance(load(j), caps.get(j))));
    const member = p.members.filter((j) => balance(load(j), caps.get(j)) === top).sort(cmp)[0];
    let order = ranked.get(p.pool);
    if (!order) { // the pool's inspectors with spare capacity by (b(L + 1), id)
      order = p.pool.filter((i) => load(i) < caps.get(i)).map((i) => [balance(load(i) + 1, caps.get(i)), i])
        .sort((a, b) => a[0] - b[0] || cmp(a[1], b[1]));
      ranked.set(p.pool, order);
    }
    const skip = new Set(p.members);
    const first = order.find(([, i]) => !skip.has(i) && !p.excluded.has(i));
    if (first && first[0] + RANDOM_RANGE <= top) {
      const other = first[1];
      return fail(`certificate.widened.${p.part}`, `the part should have widened beyond ${bound} candidates: `
        + `place ${p.name} could go from ${member} (load ${load(member)}, capacity ${caps.get(member)}) to ${other} `
        + `(load ${load(other)}, capacity ${caps.get(other)}), who is eligible but not a candidate`);
    }
  }
  return null;
}

const key = (u, v, place) => u + "\u0000" + v + "\u0000" + place;

/** The first reason the levels do not certify the places' members as the unique optimum, or null. */
export function checkLevels(places, caps, levels) {
  let keep = null, component = new Map();
  for (let level = 0; level < MAX_LEVELS; level++) {
    const at = `certificate.levels[${level}]`;
    if (level >= levels.length) { // level - 1 has a tie (a nonempty component)
      const shown = [...component.keys()].sort(cmp).slice(0, SHOWN).map(name).join(", ");
      return fail(at, `the optimum of level ${level - 1} is not unique (tight moves form a cycle through ${shown})`);
    }
    let levelMoves = moves(places, caps, level);
    if (keep !== null) {
      levelMoves = levelMoves.filter(([u, v, , p]) => keep.has(key(u, v, p)) && component.has(u)
        && component.get(v) === component.get(u));
    }
    const pi = levels[level];
    const tight = [];
    for (const [u, v, w, place] of levelMoves) {
      for (const node of [u, v]) {
        if (node !== SINK && !Object.prototype.hasOwnProperty.call(pi, node)) return fail(at, `no potential for ${node}`);
      }
      const reduced = w + (u === SINK ? 0 : pi[u]) - (v === SINK ? 0 : pi[v]);
      if (reduced < 0) {
        const via = place ? `via place ${place}` : "via the sink";
        return fail(at, `the move ${name(u)} -> ${name(v)} ${via} has reduced cost ${reduced}, so the teams are not optimal`);
      }
      if (reduced === 0) tight.push([u, v, place]);
    }
    component = cyclicNodes(tight);
    keep = new Set(tight.map(([u, v, p]) => key(u, v, p)));
    if (!component.size) {
      return levels.length === level + 1 ? null : fail("certificate.levels", `${levels.length} levels, expected ${level + 1}`);
    }
  }
  return fail("certificate.levels", "the optimum is not unique after every tie-break level");
}

/** Section 10 step 5 (7.5): the certificate's shape, then its check. Null, a discrepancy, or not_checked. */
export function checkCertificate(ctx) {
  const { instance, outcome, workdays } = ctx;
  if (ctx.format === "inspect-draw-outcome/1") {
    return { status: "not_checked", detail: "format /1 outcomes carry no optimality certificate (section 9.5)" };
  }
  if (!Object.prototype.hasOwnProperty.call(outcome, "certificate")) {
    return fail("certificate", "missing: the outcome carries no optimality certificate (section 7.5)");
  }
  const doc = outcome.certificate;
  if (!isObject(doc)) return mismatch("certificate", { levels: [], flow_teams: {} }, doc);
  const { levels, flow_teams: flowTeams } = doc;
  if (!Array.isArray(levels) || levels.length < 1 || levels.length > MAX_LEVELS || !levels.every(isObject)) {
    return mismatch("certificate.levels", ["potentials by inspector id"], levels === undefined ? null : levels);
  }
  for (let n = 0; n < levels.length; n++) {
    for (const [k, v] of Object.entries(levels[n])) {
      if (!Number.isSafeInteger(v)) return mismatch(`certificate.levels[${n}].${k}`, "an integer", v);
    }
  }
  if (!isObject(flowTeams) || !Object.values(flowTeams).every((t) => Array.isArray(t) && t.every((i) => typeof i === "string"))) {
    return mismatch("certificate.flow_teams", { "visit id": ["inspector ids"] }, flowTeams === undefined ? null : flowTeams);
  }
  const bounded = ctx.format === FORMAT_3;
  if (bounded) {
    const bad = widenedBounds(doc);
    if (bad) return bad;
  }
  const boundOf = (part) => (!bounded ? null
    : Object.prototype.hasOwnProperty.call(doc.widened, part) ? doc.widened[part] : BOUND);
  const byId = new Map((ctx.visitsExpected || []).map((v) => [v.id, v]));
  const teams = new Map(outcome.visits.map((e) => [e.id, e.team]));
  for (const id of Object.keys(flowTeams).sort(cmp)) {
    if (!byId.has(id)) return fail(`certificate.flow_teams.${id}`, "no such visit");
    teams.set(id, flowTeams[id]);
  }
  const wanted = new Set([...teams.keys()].map((id) => byId.get(id).uscc));
  const book = new RuleBook(instance, workdays, wanted);
  const tied = new Set(levels.slice(1).flatMap((l) => Object.keys(l)));
  const eligibility = new Eligibility(book, staffOf(book));
  const ordered = [...teams.keys()].map((id) => byId.get(id)).sort((a, b) => a.priority[0] - b.priority[0]
    || a.priority[1] - b.priority[1] || cmp(a.id, b.id));
  const partOf = partNames(ordered.flatMap((visit) => {
    const entity = book.entities.get(visit.uscc);
    const quals = book.qualifications(visit);
    return [...book.requirement(visit).keys()].map((department) => [visit, department,
      eligibility.pool(entity, department, quals.get(department)).ids]);
  }));
  const places = [];
  if (ctx.progress) ctx.progress("teams", 0);
  for (const id of [...teams.keys()].sort(cmp)) {
    const visit = byId.get(id);
    const entity = book.entities.get(visit.uscc);
    const need = book.requirement(visit);
    const quals = book.qualifications(visit);
    const team = teams.get(id);
    for (const department of [...need.keys()].sort(cmp)) {
      const part = partOf.get(`${id} ${department}`);
      const all = eligibility.of(entity, department, quals.get(department));
      const eligible = candidates(ctx.hmac, visit.uscc, department, all, boundOf(part));
      const members = team.filter((i) => book.inspectors.has(i) && book.inspectors.get(i).department === department).sort(cmp);
      const allowed = new Set(eligible);
      if (members.length !== need.get(department) || !members.every((i) => allowed.has(i))) {
        return fail(`certificate.flow_teams.${id}`,
          `not ${need.get(department)} ${bounded ? "candidates" : "eligible inspectors"} of ${department}: [${members.join(", ")}]`);
      }
      const count = eligible.some((i) => tied.has(i)) ? levels.length : 1;
      const costs = levelCosts(ctx.hmac, visit.uscc, eligible, count);
      while (costs.length < levels.length) costs.push(eligible.map(() => 0));
      places.push({ name: `${id} ${department}`, eligible, members, costs, part, pool: all.pool,
        excluded: all.excluded, eligibleCount: all.length });
    }
  }
  if (ctx.progress) ctx.progress("teams", 0.9);
  const found = checkLevels(places, book.capacity, levels) || checkWidening(places, book.capacity, boundOf);
  if (ctx.progress) ctx.progress("teams", 1);
  return found;
}
