// An independent verifier of a draw (docs/draw-protocol.md, sections 1–10, 12),
// written from the protocol document, in the order of `python -m solver verify`.
//
//   const report = await verify({instanceText, outcomeText, registerText}, {progress});
//
// Texts may be strings or UTF-8 bytes (Uint8Array); registerText may be null;
// names {instance, outcome, register} (optional) name the files in messages.
// Report:
//   verdict  "verified" (no discrepancy in the checks made), "not_verified" (first
//            names the first discrepancy) or "unreadable" (a document cannot be
//            read or is invalid; first.message names the file, path and reason:
//            the CLI's exit status 2);
//   first    null or {path, message}; message is the text the CLI prints after
//            "NOT verified: " (it starts with path);
//   checks   [{id, status: "passed"|"failed"|"not_checked", detail, partial?}] in order
//            (partial: true on a check not made in full, e.g. unfilled_reasons,
//            whose too_few_eligible reasons are recomputed and the rest not):
//            register, header, samples, visits, rules, teams, schedule,
//            unfilled_reasons, stats;
//   warnings [strings]: register values not published yet, no register given,
//            checks not made;
//   unfilled [{reason, count}]: the outcome's unfilled visits grouped by reason
//            (as written: a code object or a format /1 text), most frequent
//            first, with departments {id: name} of the instance to word them.
// progress(stage_id, fraction) is called as the work advances (stages: read,
// digests, u, samples, visits, rules, schedule, stats, done).
//
// The checks of rules.js, schedule.js and stats.js receive ctx:
//   instance      the decoded instance document, valid (section 3; defaults not
//                 applied), as json.js reads it: objects with a null prototype,
//                 integers as numbers (BigInt beyond 2^53), floats as JsonFloat
//                 (only ratios in a valid instance),
//   model         the same instance validated, with defaults (instance.js),
//   format        the outcome's format, "inspect-draw-outcome/3", /2 (teams
//                 offered every eligible inspector, not a bounded candidate
//                 set) or /1 (as /2, and unfilled reasons as English text),
//   outcome       the decoded outcome document (json.js values: a float the
//                 outcome writes, e.g. 3.0 in stats, is a JsonFloat; compare with
//                 difference.js's firstDifference to word it as the CLI does),
//   workdays      the working days of the window, "YYYY-MM-DD" in date order,
//   seedBytes     the seed (32 bytes),
//   hmac          hmacFactory(seed): (Uint8Array message) -> Uint8Array(32),
//   visitsExpected the visits of section 6: [{id, uscc, tasks, departments,
//                 priority: [hi, lo]}] in id order (priority = u(e) as two
//                 uint32 halves); outcome.visits/unfilled have passed the
//                 "visits" check (each entry an object with the right id, uscc,
//                 tasks and, for visits, departments),
//   progress      as above.
// Each returns null (passed), {path, message} (failed) or {status:
// "not_checked", detail}.

import { JsonError, has, isObject, parseJson } from "./json.js";
import { canonicalText } from "./canonical.js";
import { InstanceError, parseInstance } from "./instance.js";
import { RegisterError, readRegister, registerDifference, registerWarnings } from "./register.js";
import { commitment, instanceDigests, resultDigest, seed as deriveSeed } from "./digests.js";
import { fromHex, hmacFactory, toHex } from "./sha256.js";
import { drawSamples } from "./sampling.js";
import { mergeSamples } from "./visits.js";
import { workingDays } from "./workdays.js";
import { at, firstDifference, missingEntry, mismatch, pyStr } from "./difference.js";
import { checkRules } from "./rules.js";
import { checkSchedule } from "./schedule.js";
import { checkStats } from "./stats.js";
import { checkUnfilledReasons } from "./reasons.js";
import { checkCertificate } from "./certificate.js";
import { checkAcceptance } from "./acceptance.js";

export const OUTCOME_FORMAT = "inspect-draw-outcome/3";
// Formats /1 (reasons as English text) and /2 (every eligible inspector a
// candidate, section 7.3) stay readable: the app sealed draws in them.
export const FORMAT_2 = "inspect-draw-outcome/2";
export const OUTCOME_FORMATS = ["inspect-draw-outcome/1", FORMAT_2, OUTCOME_FORMAT];
export const CHECKS = [
  ["register", "the values the register published before the draw"],
  ["header", "format, draw_id, input_digest, commitment, seed"],
  ["samples", "samples and excluded counts of every task (section 5)"],
  ["visits", "every drawn entity exactly once, with id, tasks and departments (section 6)"],
  ["rules", "the rules on every staffed visit, working days, max_visits and daily limits"],
  ["teams", "the teams of section 7.3 are the unique optimum, by the outcome's optimality certificate (section 7.5)"],
  ["acceptance", "which visits team assignment accepts (section 7.2), decided with a maximum flow"],
  ["schedule", "the teams after the pair-conflict repairs (section 7.4, made again from the certified flow teams) " +
    "and the dates of the visits (section 8)"],
  ["unfilled_reasons", "why visits are unfilled (section 9.1): every reason recomputed"],
  ["stats", "stats and the whole document (section 9)"],
];

class Stop extends Error {}

export async function verify({ instanceText, outcomeText, registerText = null,
  names = {} }, { progress = () => {} } = {}) {
  const report = { verdict: "verified", first: null, checks: [], warnings: [], unfilled: [], departments: {} };
  const status = new Map();
  const mark = (id, state, detail, partial = false) => status.set(id, { state, detail, partial });
  const finish = () => {
    report.checks = CHECKS.map(([id, what]) => {
      const s = status.get(id) || { state: "not_checked", detail: report.first ? "not reached (an earlier check failed)" : what };
      return s.partial ? { id, status: s.state, detail: s.detail || what, partial: true }
        : { id, status: s.state, detail: s.detail || what };
    });
    const skipped = report.checks.filter((c) => c.status === "not_checked").map((c) => c.id);
    if (report.verdict === "verified" && skipped.length) {
      report.warnings.push(`warning: checks not made: ${skipped.join(", ")}`);
    }
    progress("done", 1);
    return report;
  };
  const unreadable = (error) => {
    report.verdict = "unreadable";
    report.first = { path: error.path || null, message: error.message };
    return finish();
  };
  const fail = (id, difference) => {
    if (!difference) return;
    mark(id, "failed", difference.message);
    report.verdict = "not_verified";
    report.first = difference;
    throw new Stop();
  };
  const run = (id, result) => {
    if (result && result.status === "not_checked") mark(id, "not_checked", result.detail, Boolean(result.partial));
    else { fail(id, result); mark(id, "passed"); }
  };

  // Reading, in the CLI's order: register file, instance, outcome.
  let published = [], instance, outcome;
  try {
    progress("read", 0);
    if (registerText !== null && registerText !== undefined) published = readRegister(registerText, names.register || "register");
    const doc = parseJson(instanceText, names.instance || "instance", (f) => progress("read", 0.8 * f));
    instance = parseInstance(doc, names.instance || "instance");
    progress("read", 0.9);
    outcome = parseJson(outcomeText, names.outcome || "outcome");
    if (!isObject(outcome)) throw new JsonError(`${names.outcome || "outcome"}: the document must be a JSON object`);
    summarizeUnfilled(report, instance, outcome);
    progress("read", 1);
  } catch (error) {
    if (error instanceof JsonError || error instanceof InstanceError || error instanceof RegisterError) return unreadable(error);
    throw error;
  }

  try {
    progress("digests", 0);
    const digests = await instanceDigests(instance.doc, progress);
    const secretBytes = instance.secret === null ? null : fromHex(instance.secret);
    const computed = {
      code: [instance.drawId, "the instance's draw_id"],
      external_entropy: [instance.externalEntropy, "the instance"],
      input_digest: [toHex(digests.input), "the instance"],
      result_digest: [toHex(await resultDigest(outcome)), "the outcome"],
      frozen_digest: [toHex(digests.frozen), "the instance"],
    };
    if (secretBytes) computed.commitment = [toHex(commitment(secretBytes)), "the instance's secret"];
    progress("digests", 1);
    if (registerText !== null && registerText !== undefined) {
      fail("register", registerDifference(published, computed));
      mark("register", "passed", "matches the published values: " + registerWarnings(published, true).compared.join(", "));
    } else mark("register", "not_checked", "no register file given");
    report.warnings.push(...registerWarnings(published, registerText !== null && registerText !== undefined).warnings);

    if (!secretBytes) {
      return unreadable(new InstanceError("$.secret: the instance has no secret; a draw and its verification need the " +
        "32-byte secret (revealed after the checks)", "$.secret"));
    }
    const seedBytes = deriveSeed(secretBytes, digests.input, instance.externalEntropy);
    const format = OUTCOME_FORMATS.includes(outcome.format) ? outcome.format : OUTCOME_FORMAT;
    const header = {
      format, draw_id: instance.drawId, input_digest: toHex(digests.input),
      commitment: toHex(commitment(secretBytes)), seed: toHex(seedBytes),
    };
    for (const key of Object.keys(header)) {
      if (!has(outcome, key)) fail("header", missingEntry(key, header[key]));
      fail("header", firstDifference(header[key], outcome[key], key));
    }
    mark("header", "passed");

    const hmac = hmacFactory(seedBytes);
    const drawn = drawSamples(instance, hmac, progress);
    for (const [key, expected] of [["samples", drawn.samples], ["excluded", drawn.excluded]]) {
      if (!has(outcome, key)) fail("samples", missingEntry(key, expected));
      fail("samples", firstDifference(expected, outcome[key], key));
    }
    mark("samples", "passed");

    progress("visits", 0);
    const visitsExpected = mergeSamples(instance, drawn.samples, hmac, drawn.coordinated);
    fail("visits", checkEntries(outcome, visitsExpected));
    mark("visits", "passed");
    progress("visits", 1);

    const ctx = { instance: instance.doc, model: instance, outcome, format, workdays: workingDays(instance), seedBytes,
      hmac, visitsExpected, progress };
    run("rules", await checkRules(ctx));
    run("teams", await checkCertificate(ctx));
    run("acceptance", await checkAcceptance(ctx));
    run("schedule", await checkSchedule(ctx));
    run("unfilled_reasons", await checkUnfilledReasons(ctx));
    run("stats", await checkStats(ctx));
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
  }
  return finish();
}

/** The outcome's unfilled visits by reason, for the page to word (reason_text.js): report.unfilled =
 *  [{reason, count}] most frequent first, report.departments = {id: name} of the instance. */
function summarizeUnfilled(report, instance, outcome) {
  for (const d of instance.departments || []) report.departments[d.id] = d.name;
  if (!Array.isArray(outcome.unfilled)) return;
  const groups = new Map();
  for (const u of outcome.unfilled) {
    if (!isObject(u) || !has(u, "reason")) continue;
    let key;
    try {
      key = canonicalText(u.reason);
    } catch {
      continue; // not a JSON value the summary can show
    }
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { reason: u.reason, count: 1, key });
  }
  report.unfilled = [...groups.values()].sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ reason, count }) => ({ reason, count }));
}

/** Every drawn entity exactly once across visits and unfilled (section 10, step 3). */
function checkEntries(outcome, visits) {
  const byUscc = new Map(visits.map((v) => [v.uscc, v]));
  const seen = new Set();
  for (const [section, fields] of [["visits", ["id", "uscc", "tasks", "departments"]], ["unfilled", ["id", "uscc", "tasks"]]]) {
    const entries = has(outcome, section) ? outcome[section] : null;
    if (!Array.isArray(entries)) return mismatch(section, [], entries);
    for (let n = 0; n < entries.length; n++) {
      const path = `${section}[${n}]`, entry = entries[n];
      if (!isObject(entry)) return mismatch(path, {}, entry);
      const uscc = has(entry, "uscc") ? entry.uscc : null;
      if (typeof uscc !== "string" || !byUscc.has(uscc)) {
        return at(`${path}.uscc`, `entity ${pyStr(uscc)} was not drawn by any task`);
      }
      if (seen.has(uscc)) return at(`${path}.uscc`, `entity ${uscc} appears more than once among visits and unfilled`);
      seen.add(uscc);
      const v = byUscc.get(uscc);
      const expected = { id: v.id, uscc, tasks: v.tasks, departments: v.departments };
      for (const key of fields) {
        if (!has(entry, key)) return missingEntry(`${path}.${key}`, expected[key]);
        const d = firstDifference(expected[key], entry[key], `${path}.${key}`);
        if (d) return d;
      }
    }
  }
  for (const v of visits) {
    if (!seen.has(v.uscc)) return at("visits", `drawn entity ${v.uscc} (${v.id}) is neither a visit nor unfilled`);
  }
  return null;
}
