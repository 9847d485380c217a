// The instance document (docs/draw-protocol.md, section 3): validated in the
// reference reader's order with its wording, into a plain model.
// Throws InstanceError {message, path} for a document the CLI refuses (exit 2).
//
// Model (every list in document order, every integer a JS number):
//   doc (the decoded document itself),
//   drawId, secret (hex or null), externalEntropy,
//   window {start, end} (YYYY-MM-DD strings), holidays, calendarWorkdays (Sets),
//   policy {coordinated_sampling, min_team_size, rotation, exclude_recent_days,
//           exclude_recent_risk (Set), frequency_cap, daily_visits_per_inspector,
//           exclude_local_supervisor, jurisdiction_digits},
//   departments [{id, name}], items [{id, department, name, qualification|null}],
//   entities [{uscc, name, district, risk, status, tags[], lists[], checks_this_year,
//              last_checks [{department, date, inspectors[]}], industry|null, type|null}],
//   inspectors [{id, name, department, district, qualifications[], certificate_expires|null,
//                active, unavailable[], max_visits}],
//   entityByUscc, inspectorById (Maps), itemsById (Map),
//   conflicts [{inspector, uscc}], pairConflicts [[a, b]],
//   tasks [{id, department, participating[], departments[], items[], filter|null,
//           ratio {risk: Fraction}|null, count|null, list_ratio {name: Fraction},
//           inspectors_per_visit}]   (Fraction = {num: BigInt, den: BigInt})

import { show, pyStr } from "./difference.js";
import { formatFloat, sortedKeys } from "./canonical.js";
import { JsonFloat, has, isObject } from "./json.js";
import { workingDaysBetween } from "./workdays.js";

export const FORMAT = "inspect-draw/1";
export const RISK_CLASSES = ["A", "B", "C", "D"];
const USCC = /^[0-9A-HJ-NP-RTUW-Y]{18}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const POLICY_DEFAULTS = {
  coordinated_sampling: true, min_team_size: 2, rotation: true, exclude_recent_days: 365,
  exclude_recent_risk: ["A", "B"], frequency_cap: 4, daily_visits_per_inspector: 3,
  exclude_local_supervisor: false, jurisdiction_digits: 0,
};
const FILTER_KEYS = ["districts", "industries", "lists_any", "risks", "tags_any", "types"];

export class InstanceError extends Error {
  constructor(message, path = null) { super(message); this.path = path; }
}

const get = (obj, key, fallback = undefined) => (has(obj, key) ? obj[key] : fallback);
const fail = (path, expected, value) => new InstanceError(`${path}: expected ${expected}, found ${show(value)}`, path);
const truthy = (v) => !(v === null || v === undefined || v === false || v === 0 || v === "" ||
  (typeof v === "bigint" && v === 0n) || (v instanceof JsonFloat && v.value === 0) ||
  (Array.isArray(v) && !v.length) || (isObject(v) && !Object.keys(v).length));

function field(obj, key, path) {
  if (!has(obj, key)) throw new InstanceError(`${path}.${key}: required field is missing`, `${path}.${key}`);
  return obj[key];
}
function object(v, path) { if (!isObject(v)) throw fail(path, "an object", v); return v; }
function list(v, path) { if (!Array.isArray(v)) throw fail(path, "an array", v); return v; }
function str(v, path, empty = false) {
  if (typeof v !== "string" || (!empty && !v)) throw fail(path, empty ? "a string" : "a non-empty string", v);
  return v;
}
function int(v, path, minimum = 0) {
  if (!((typeof v === "number" && Number.isInteger(v)) || typeof v === "bigint")) throw fail(path, "an integer", v);
  if (v < minimum) {
    throw new InstanceError(`${path}: ${show(v)} ${minimum === 0 ? "must not be negative" : "must be at least 1"}`, path);
  }
  return Number(v);
}
function bool(v, path) { if (typeof v !== "boolean") throw fail(path, "true or false", v); return v; }
export function isDate(v) {
  if (typeof v !== "string" || !DATE.test(v)) return false;
  const [y, m, d] = v.split("-").map(Number);
  const day = new Date(Date.UTC(2000, m - 1, d)); // a leap year; the year is checked below
  if (y < 1 || m < 1 || m > 12 || d < 1 || day.getUTCMonth() !== m - 1) return false;
  return !(m === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)));
}
function date(v, path) { if (!isDate(v)) throw fail(path, "a date (YYYY-MM-DD)", v); return v; }
const strings = (v, path) => list(v, path).map((s, n) => str(s, `${path}[${n}]`));
const dates = (v, path) => list(v, path).map((s, n) => date(s, `${path}[${n}]`));
function risk(v, path) {
  if (typeof v !== "string" || !RISK_CLASSES.includes(v)) {
    throw new InstanceError(`${path}: unknown risk class ${show(v)} (expected one of ${RISK_CLASSES.join(", ")})`, path);
  }
  return v;
}
/** An exact ratio from a JSON number, via its shortest decimal text. */
function ratio(v, path) {
  const isNum = (typeof v === "number" && Number.isInteger(v)) || typeof v === "bigint" || v instanceof JsonFloat;
  if (!isNum) throw fail(path, "a number", v);
  if (!(Number(v) >= 0 && Number(v) <= 1)) throw new InstanceError(`${path}: ratio ${show(v)} is outside [0, 1]`, path);
  return decimalFraction(v instanceof JsonFloat ? formatFloat(v.value) : String(v));
}
/** "0.03" or "1e-05" -> {num, den} (not reduced; only ceil(num * N / den) is used). */
export function decimalFraction(text) {
  const [mantissa, exp = "0"] = text.split("e");
  const [whole, frac = ""] = mantissa.split(".");
  let num = BigInt(whole + frac), den = 10n ** BigInt(frac.length);
  const e = Number(exp);
  if (e >= 0) num *= 10n ** BigInt(e); else den *= 10n ** BigInt(-e);
  return { num, den };
}
function knownKeys(obj, allowed, path) {
  for (const key of sortedKeys(obj)) {
    if (!allowed.includes(key)) {
      throw new InstanceError(`${path}: unknown field ${pyRepr(key)} (known fields: ${[...allowed].sort().join(", ")})`, `${path}.${key}`);
    }
  }
}
const pyRepr = (s) => (s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`);
function unique(ids, kind, path) {
  const seen = new Set();
  ids.forEach((id, n) => {
    if (seen.has(id)) throw new InstanceError(`${path}[${n}].id: duplicate ${kind} ${pyRepr(id)}`, `${path}[${n}]`);
    seen.add(id);
  });
}
const unknownRef = (path, kind, value) => new InstanceError(`${path}: unknown ${kind} ${pyRepr(value)}`, path);

function policy(raw) {
  const obj = raw === null || raw === undefined ? Object.create(null) : object(raw, "$.policy");
  knownKeys(obj, Object.keys(POLICY_DEFAULTS), "$.policy");
  const p = "$.policy.", d = POLICY_DEFAULTS;
  const g = (key) => get(obj, key, d[key]);
  return {
    coordinated_sampling: bool(g("coordinated_sampling"), p + "coordinated_sampling"),
    min_team_size: int(g("min_team_size"), p + "min_team_size", 1),
    rotation: bool(g("rotation"), p + "rotation"),
    exclude_recent_days: int(g("exclude_recent_days"), p + "exclude_recent_days"),
    exclude_recent_risk: new Set(list(g("exclude_recent_risk"), p + "exclude_recent_risk")
      .map((r, n) => risk(r, `${p}exclude_recent_risk[${n}]`))),
    frequency_cap: int(g("frequency_cap"), p + "frequency_cap", 1),
    daily_visits_per_inspector: int(g("daily_visits_per_inspector"), p + "daily_visits_per_inspector", 1),
    exclude_local_supervisor: bool(g("exclude_local_supervisor"), p + "exclude_local_supervisor"),
    jurisdiction_digits: int(g("jurisdiction_digits"), p + "jurisdiction_digits"),
  };
}

function departments(raw) {
  const result = list(raw, "$.departments").map((obj, n) => {
    const path = `$.departments[${n}]`;
    object(obj, path);
    return { id: str(field(obj, "id", path), path + ".id"), name: str(get(obj, "name", ""), path + ".name", true) };
  });
  unique(result.map((d) => d.id), "department", "$.departments");
  return result;
}

function items(raw, known) {
  const result = list(raw, "$.items").map((obj, n) => {
    const path = `$.items[${n}]`;
    object(obj, path);
    const department = str(field(obj, "department", path), path + ".department");
    if (!known.has(department)) throw unknownRef(path + ".department", "department", department);
    const q = get(obj, "qualification", null);
    return {
      id: str(field(obj, "id", path), path + ".id"), department,
      name: str(get(obj, "name", ""), path + ".name", true),
      qualification: q === null ? null : str(q, path + ".qualification"),
    };
  });
  unique(result.map((i) => i.id), "item", "$.items");
  return result;
}

function taskFilter(raw, path) {
  if (raw === null || raw === undefined) return null;
  const obj = object(raw, path);
  knownKeys(obj, FILTER_KEYS, path);
  const s = (key) => strings(get(obj, key, []), `${path}.${key}`);
  return {
    tags_any: s("tags_any"), districts: s("districts"), industries: s("industries"), types: s("types"),
    risks: list(get(obj, "risks", []), path + ".risks").map((r, n) => risk(r, `${path}.risks[${n}]`)),
    lists_any: s("lists_any"),
  };
}

function task(obj, n, known, itemsById) {
  const path = `$.tasks[${n}]`;
  object(obj, path);
  const lead = str(field(obj, "department", path), path + ".department");
  if (!known.has(lead)) throw unknownRef(path + ".department", "department", lead);
  const participating = strings(get(obj, "participating", []), path + ".participating");
  participating.forEach((d, k) => { if (!known.has(d)) throw unknownRef(`${path}.participating[${k}]`, "department", d); });
  const own = new Set([lead, ...participating]);
  const itemIds = strings(field(obj, "items", path), path + ".items");
  if (!itemIds.length) throw new InstanceError(`${path}.items: a task needs at least one check item`, path + ".items");
  itemIds.forEach((id, k) => {
    const at = `${path}.items[${k}]`;
    if (!itemsById.has(id)) throw unknownRef(at, "check item", id);
    const dep = itemsById.get(id).department;
    if (!own.has(dep)) {
      throw new InstanceError(`${at}: item ${pyRepr(id)} belongs to department ${pyRepr(dep)}, ` +
        "which is neither the lead nor a participating department of the task", at);
    }
  });
  const hasRatio = get(obj, "ratio", null) !== null, hasCount = get(obj, "count", null) !== null;
  if (hasRatio && hasCount) throw new InstanceError(`${path}: a task has either 'ratio' or 'count', not both`, path);
  if (!hasRatio && !hasCount) throw new InstanceError(`${path}: a task needs 'ratio' (per risk class) or 'count'`, path);
  let ratios = null;
  if (hasRatio) {
    const raw = object(obj.ratio, path + ".ratio");
    for (const r of sortedKeys(raw)) risk(r, `${path}.ratio.${r}`);
    ratios = Object.create(null);
    for (const r of sortedKeys(raw)) ratios[r] = ratio(raw[r], `${path}.ratio.${r}`);
  }
  const rawLists = object(truthy(get(obj, "list_ratio")) ? obj.list_ratio : Object.create(null), path + ".list_ratio");
  if (Object.keys(rawLists).length && hasCount) {
    throw new InstanceError(`${path}.list_ratio: 'list_ratio' needs a 'ratio' task; a 'count' task draws from its whole ` +
      "eligible population and has no strata", path + ".list_ratio");
  }
  const id = str(field(obj, "id", path), path + ".id");
  const filter = taskFilter(get(obj, "filter", null), path + ".filter");
  const count = hasCount ? int(obj.count, path + ".count") : null;
  const listRatio = Object.create(null);
  for (const name of sortedKeys(rawLists)) listRatio[name] = ratio(rawLists[name], `${path}.list_ratio.${name}`);
  return {
    id, department: lead, participating, departments: [lead, ...participating], items: itemIds, filter,
    ratio: ratios, count, list_ratio: listRatio,
    inspectors_per_visit: int(get(obj, "inspectors_per_visit", 2), path + ".inspectors_per_visit", 1),
  };
}

function entity(obj, n) {
  const path = `$.entities[${n}]`;
  object(obj, path);
  const uscc = field(obj, "uscc", path);
  if (typeof uscc !== "string" || !USCC.test(uscc)) {
    throw new InstanceError(`${path}.uscc: ${show(uscc)} is not a unified social credit code ` +
      "(18 characters from 0-9 A-H J-N P-R T U W-Y)", path + ".uscc");
  }
  const status = str(field(obj, "status", path), path + ".status");
  const district = str(field(obj, "district", path), path + ".district");
  const industry = get(obj, "industry", null), type = get(obj, "type", null);
  const tags = get(obj, "tags", []), lists = get(obj, "lists", []), last = get(obj, "last_checks", []);
  return {
    uscc, name: str(field(obj, "name", path), path + ".name", true), district,
    risk: risk(field(obj, "risk", path), path + ".risk"), status,
    tags: truthy(tags) ? strings(tags, path + ".tags") : [],
    lists: truthy(lists) ? strings(lists, path + ".lists") : [],
    checks_this_year: int(get(obj, "checks_this_year", 0), path + ".checks_this_year"),
    last_checks: truthy(last) ? list(last, path + ".last_checks").map((c, k) => {
      const at = `${path}.last_checks[${k}]`;
      object(c, at);
      return {
        department: str(field(c, "department", at), at + ".department"),
        date: date(field(c, "date", at), at + ".date"),
        inspectors: strings(get(c, "inspectors", []), at + ".inspectors"),
      };
    }) : [],
    industry: industry === null ? null : str(industry, path + ".industry"),
    type: type === null ? null : str(type, path + ".type"),
  };
}

function entities(raw) {
  const seen = new Set();
  return list(raw, "$.entities").map((obj, n) => {
    const e = entity(obj, n);
    if (seen.has(e.uscc)) throw new InstanceError(`$.entities[${n}].uscc: duplicate entity ${pyRepr(e.uscc)}`, `$.entities[${n}].uscc`);
    seen.add(e.uscc);
    return e;
  });
}

function inspectors(raw, known) {
  const result = list(raw, "$.inspectors").map((obj, n) => {
    const path = `$.inspectors[${n}]`;
    object(obj, path);
    const department = str(field(obj, "department", path), path + ".department");
    if (!known.has(department)) throw unknownRef(path + ".department", "department", department);
    const expires = get(obj, "certificate_expires", null);
    return {
      id: str(field(obj, "id", path), path + ".id"),
      name: str(get(obj, "name", ""), path + ".name", true), department,
      district: str(get(obj, "district", ""), path + ".district", true),
      qualifications: strings(get(obj, "qualifications", []), path + ".qualifications"),
      certificate_expires: expires === null ? null : date(expires, path + ".certificate_expires"),
      active: bool(get(obj, "active", true), path + ".active"),
      unavailable: dates(get(obj, "unavailable", []), path + ".unavailable"),
      max_visits: int(get(obj, "max_visits", 30), path + ".max_visits"),
    };
  });
  unique(result.map((i) => i.id), "inspector", "$.inspectors");
  return result;
}

function pairs(raw, section, a, b, check) {
  return list(raw, `$.${section}`).map((obj, n) => {
    const path = `$.${section}[${n}]`;
    object(obj, path);
    const x = str(field(obj, a, path), `${path}.${a}`), y = str(field(obj, b, path), `${path}.${b}`);
    if (check) check(x, y, path);
    return [x, y];
  });
}

/** Validate a decoded instance document (`name` for messages); returns the model (see the top). */
export function parseInstance(doc, name = "instance") {
  if (!isObject(doc)) throw new InstanceError(`${name}: the document must be a JSON object`);
  const format = get(doc, "format", null);
  if (format !== FORMAT) {
    if (format === null) throw new InstanceError("$.format: required field is missing", "$.format");
    throw new InstanceError(`$.format: unknown format version ${show(format)}; this solver reads '${FORMAT}'`, "$.format");
  }
  const window = object(field(doc, "window", "$"), "$.window");
  const start = date(field(window, "start", "$.window"), "$.window.start");
  const end = date(field(window, "end", "$.window"), "$.window.end");
  if (end < start) throw new InstanceError(`$.window: the window ends (${end}) before it starts (${start})`, "$.window");
  const calendar = object(truthy(get(doc, "calendar")) ? doc.calendar : Object.create(null), "$.calendar");
  const holidays = new Set(dates(get(calendar, "holidays", []), "$.calendar.holidays"));
  const calendarWorkdays = new Set(dates(get(calendar, "workdays", []), "$.calendar.workdays"));
  if (!workingDaysBetween(start, end, holidays, calendarWorkdays).length) {
    throw new InstanceError(`$.window: no working day between ${start} and ${end} ` +
      "(Monday to Friday, minus calendar.holidays, plus calendar.workdays)", "$.window");
  }
  const deps = departments(field(doc, "departments", "$"));
  const known = new Set(deps.map((d) => d.id));
  const its = items(field(doc, "items", "$"), known);
  const itemsById = new Map(its.map((i) => [i.id, i]));
  const tasks = list(field(doc, "tasks", "$"), "$.tasks").map((t, n) => task(t, n, known, itemsById));
  unique(tasks.map((t) => t.id), "task", "$.tasks");
  const drawId = str(field(doc, "draw_id", "$"), "$.draw_id");
  const secret = get(doc, "secret", null);
  if (secret !== null && (typeof secret !== "string" || !HEX64.test(secret))) {
    throw new InstanceError("$.secret: the secret must be 64 lower-case hex digits (32 bytes)", "$.secret");
  }
  const externalEntropy = str(field(doc, "external_entropy", "$"), "$.external_entropy", true);
  const pol = policy(get(doc, "policy", null));
  const ents = entities(field(doc, "entities", "$"));
  const insp = inspectors(field(doc, "inspectors", "$"), known);
  const conflicts = pairs(get(doc, "conflicts", []), "conflicts", "inspector", "uscc")
    .map(([inspector, uscc]) => ({ inspector, uscc }));
  const pairConflicts = pairs(get(doc, "pair_conflicts", []), "pair_conflicts", "a", "b", (a, b, path) => {
    if (a === b) throw new InstanceError(`${path}: inspector ${pyRepr(a)} cannot be in conflict with themself`, path);
  });
  return {
    doc, drawId, secret, externalEntropy, window: { start, end }, holidays, calendarWorkdays, policy: pol,
    departments: deps, items: its, itemsById, entities: ents, entityByUscc: new Map(ents.map((e) => [e.uscc, e])),
    inspectors: insp, inspectorById: new Map(insp.map((i) => [i.id, i])), conflicts, pairConflicts, tasks,
  };
}

export { pyStr };
