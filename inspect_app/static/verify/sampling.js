// Sampling (docs/draw-protocol.md, section 5): permanent random numbers u(e),
// populations, exclusions, strata, sample sizes, selection and order.
// Works on the model of instance.js; `hmac` is hmacFactory(seed).

import { compareCodePoints } from "./canonical.js";
import { addDays } from "./workdays.js";

const encoder = new TextEncoder();
const PROGRESS_EVERY = 20000;

/** H64 numbers of many messages: {hi, lo} Uint32Arrays (big-endian halves). */
export function h64All(hmac, messages, progress = null, stage = "u") {
  const n = messages.length;
  const hi = new Uint32Array(n), lo = new Uint32Array(n);
  for (let k = 0; k < n; k++) {
    const d = hmac(encoder.encode(messages[k]));
    hi[k] = ((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3]) >>> 0;
    lo[k] = ((d[4] << 24) | (d[5] << 16) | (d[6] << 8) | d[7]) >>> 0;
    if (progress && k % PROGRESS_EVERY === 0) progress(stage, k / n);
  }
  if (progress) progress(stage, 1);
  return { hi, lo };
}

/** H64 as a BigInt (for display and tests). */
export const h64 = (hmac, message) => {
  const d = hmac(encoder.encode(message));
  return d.slice(0, 8).reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
};

/** Comparator of entity indexes by (u, USCC). */
const byKey = (u, usccs) => (a, b) =>
  u.hi[a] - u.hi[b] || u.lo[a] - u.lo[b] || (usccs[a] < usccs[b] ? -1 : usccs[a] > usccs[b] ? 1 : 0);

export function matchesFilter(f, e) {
  if (!f) return true;
  const any = (list, test) => !list.length || list.some(test);
  return any(f.tags_any, (t) => e.tags.includes(t)) &&
    any(f.districts, (p) => e.district.startsWith(p)) &&
    any(f.industries, (v) => e.industry === v) &&
    any(f.types, (v) => e.type === v) &&
    any(f.risks, (r) => e.risk === r) &&
    any(f.lists_any, (l) => e.lists.includes(l));
}

/** The first exclusion reason of an entity for a task (5.2), or null. */
function exclusion(instance, task, e, since) {
  const p = instance.policy;
  if (e.status !== "active") return "inactive";
  if (p.exclude_recent_risk.has(e.risk) &&
      e.last_checks.some((c) => task.departments.includes(c.department) && c.date >= since)) return "recent_check";
  if (e.checks_this_year >= p.frequency_cap) return "frequency_cap";
  return null;
}

const fracLess = (a, b) => a.num * b.den < b.num * a.den;
const ceilTimes = (r, n) => Number((r.num * BigInt(n) + r.den - 1n) / r.den);

/** The stratum of an eligible entity in a ratio task, with its ratio. */
function stratumOf(task, e) {
  let best = null;
  for (const name of e.lists) {
    if (!Object.hasOwn(task.list_ratio, name)) continue;
    const r = task.list_ratio[name];
    if (best === null || fracLess(best.ratio, r) ||
        (!fracLess(r, best.ratio) && compareCodePoints(name, best.key.slice(5)) < 0)) {
      best = { key: "list:" + name, ratio: r };
    }
  }
  if (best) return best;
  return { key: "risk:" + e.risk, ratio: task.ratio[e.risk] || { num: 0n, den: 1n } };
}

/**
 * Draw every task's sample. Returns {samples: {task: [uscc]}, excluded: {task:
 * {inactive, recent_check, frequency_cap}}, coordinated: {hi, lo} (u(e) of every
 * entity, by entity index — only for the coordinated policy, else null)}.
 */
export function drawSamples(instance, hmac, progress = null) {
  const entities = instance.entities;
  const usccs = entities.map((e) => e.uscc);
  const coordinated = instance.policy.coordinated_sampling;
  let shared = null, sharedOrder = null;
  if (coordinated) {
    shared = h64All(hmac, usccs.map((u) => "entity:" + u), progress, "u");
    sharedOrder = Array.from(usccs.keys()).sort(byKey(shared, usccs));
  }
  const since = addDays(instance.window.start, -instance.policy.exclude_recent_days);
  const samples = Object.create(null), excluded = Object.create(null); // any task id is a key
  instance.tasks.forEach((task, t) => {
    const counts = { inactive: 0, recent_check: 0, frequency_cap: 0 };
    const eligible = new Uint8Array(entities.length);
    const strata = new Map(); // stratum key -> {ratio, size}
    const stratum = new Array(entities.length);
    for (let k = 0; k < entities.length; k++) {
      const e = entities[k];
      if (!matchesFilter(task.filter, e)) continue;
      const reason = exclusion(instance, task, e, since);
      if (reason) { counts[reason]++; continue; }
      eligible[k] = 1;
      const s = task.ratio ? stratumOf(task, e) : { key: "all", ratio: null };
      if (!strata.has(s.key)) strata.set(s.key, { ratio: s.ratio, size: 0, taken: 0 });
      strata.get(s.key).size++;
      stratum[k] = s.key;
    }
    for (const s of strata.values()) s.want = task.ratio ? ceilTimes(s.ratio, s.size) : Math.min(task.count, s.size);
    let order;
    if (coordinated) order = sharedOrder.filter((k) => eligible[k]);
    else {
      const idx = [];
      for (let k = 0; k < entities.length; k++) if (eligible[k]) idx.push(k);
      const own = h64All(hmac, idx.map((k) => `entity:${task.id}:${usccs[k]}`), progress, `u:${task.id}`);
      const u = { hi: new Uint32Array(entities.length), lo: new Uint32Array(entities.length) };
      idx.forEach((k, j) => { u.hi[k] = own.hi[j]; u.lo[k] = own.lo[j]; });
      order = idx.sort(byKey(u, usccs));
    }
    const drawn = [];
    for (const k of order) {
      const s = strata.get(stratum[k]);
      if (s.taken < s.want) { s.taken++; drawn.push(usccs[k]); }
    }
    samples[task.id] = drawn;
    excluded[task.id] = counts;
    if (progress) progress("samples", (t + 1) / instance.tasks.length);
  });
  return { samples, excluded, coordinated: shared };
}
