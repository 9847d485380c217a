// A place's eligible inspectors (docs/draw-protocol.md 7.1) without a pass
// over the department per place: rules 1-5 once per pool, rules 6-8 for the
// few members an entity could exclude. Shared by the certificate check (7.5)
// and the acceptance check (7.2).

import { cmp } from "./cli_text.js";
import { CHECKED_LAST_TIME, DECLARED_CONFLICT, LOCAL_SUPERVISOR, lastTeam } from "./rules.js";

/** The instance's inspectors by department, each list by id. */
export function staffOf(book) {
  const staff = new Map();
  for (const i of [...book.inspectors.values()].sort((a, b) => cmp(a.id, b.id))) {
    if (!staff.has(i.department)) staff.set(i.department, []);
    staff.get(i.department).push(i);
  }
  return staff;
}

/**
 * A place's eligible inspectors (7.1) as {length, at(x), all()}: rules 1-5 are
 * evaluated once per pool (department, qualifications, jurisdiction) and rules
 * 6-8 only for the pool's members the entity could exclude (its declared
 * conflicts, its last team, its district's inspectors), so that a place costs
 * its exclusions, not its pool.
 */
export class Eligibility {
  constructor(book, staff) {
    this.book = book;
    this.staff = staff;
    this.pools = new Map();
    this.conflicted = new Map(); // uscc -> inspector ids with a declared conflict
    for (const key of book.conflicts) {
      const [inspector, uscc] = key.split("\u0000");
      if (!this.conflicted.has(uscc)) this.conflicted.set(uscc, []);
      this.conflicted.get(uscc).push(inspector);
    }
  }

  pool(entity, department, quals) {
    const k = this.book.policy.jurisdiction_digits;
    const prefix = k > 0 ? String(entity.district).slice(0, k) : "";
    const key = [department, [...quals].sort(cmp).join("\u0001"), prefix].join("\u0000");
    let pool = this.pools.get(key);
    if (!pool) {
      const late = new Set([DECLARED_CONFLICT, CHECKED_LAST_TIME, LOCAL_SUPERVISOR]); // rules 6-8
      const ids = (this.staff.get(department) || []).filter((i) => {
        const why = this.book.reason(i, entity, department, quals);
        return why === null || late.has(why);
      }).map((i) => i.id);
      const position = new Map(ids.map((id, n) => [id, n]));
      const byDistrict = new Map();
      for (const id of ids) {
        const d = this.book.inspectors.get(id).district;
        if (!byDistrict.has(d)) byDistrict.set(d, []);
        byDistrict.get(d).push(id);
      }
      pool = { ids, position, byDistrict };
      this.pools.set(key, pool);
    }
    return pool;
  }

  of(entity, department, quals) {
    const { ids, position, byDistrict } = this.pool(entity, department, quals);
    const p = this.book.policy;
    const suspects = new Set(this.conflicted.get(entity.uscc) || []);
    if (p.rotation) for (const id of lastTeam(entity, department)) suspects.add(id);
    if (p.exclude_local_supervisor) for (const id of byDistrict.get(entity.district) || []) suspects.add(id);
    const cut = [...suspects].filter((id) => position.has(id)
      && this.book.reason(this.book.inspectors.get(id), entity, department, quals) !== null)
      .map((id) => position.get(id)).sort((a, b) => a - b);
    const at = (x) => { // the x-th position not cut
      let q = x;
      for (const c of cut) { if (c > q) break; q++; }
      return ids[q];
    };
    return {
      length: ids.length - cut.length,
      at,
      all: () => (cut.length ? ids.filter((_, n) => !cut.includes(n)) : ids),
      pool: ids,
      excluded: new Set(cut.map((n) => ids[n])),
    };
  }
}
