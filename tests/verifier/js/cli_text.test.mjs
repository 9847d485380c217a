// node --test tests/verifier/js/*.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { cmp, firstDifference, show } from "../../../inspect_app/static/verify/cli_text.js";
import { scheduleVisits } from "../../../inspect_app/static/verify/schedule.js";
import { RuleBook } from "../../../inspect_app/static/verify/rules.js";
import { windowWorkdays } from "./workdays_fixture.mjs";

test("show renders as the CLI's messages.show", () => {
  assert.equal(show(["E003", "E019"]), "[E003, E019]");
  assert.equal(show("2027-03-04"), "2027-03-04");
  assert.equal(show({ b: 1, a: "x" }), '{"a":"x","b":1}');
  assert.equal(show(null), "null");
});

test("first difference is worded as verify.first_difference", () => {
  assert.equal(firstDifference({ team: ["E1", "E2"] }, { team: ["E1", "E3"] }, "visits[0]").message,
    "visits[0].team: expected [E1, E2], found [E1, E3]");
  assert.equal(firstDifference({ a: 1 }, { a: 1, b: 2 }).message, "b: unexpected 2");
  assert.equal(firstDifference([{ a: 1 }], [], "visits").message, 'visits[0]: missing, expected {"a":1}');
  assert.equal(firstDifference({ a: 1 }, { a: true }).message, "a: expected 1, found true");
});

test("code point order puts astral characters after U+FFFF", () => {
  assert.ok(cmp("\u{1F600}", "\uFF01") > 0);
  assert.ok(cmp("a", "b") < 0);
  assert.ok(cmp("ab", "a") > 0);
});

test("working days: weekends off, make-up days on, holidays off", () => {
  const days = windowWorkdays({ window: { start: "2027-03-05", end: "2027-03-09" },
    calendar: { holidays: ["2027-03-09"], workdays: ["2027-03-06"] } });
  assert.deepEqual(days, ["2027-03-05", "2027-03-06", "2027-03-08"]);
});

test("places of a joint visit go round-robin from the lead (section 7.1 example)", () => {
  const instance = { window: { start: "2027-03-01", end: "2027-03-05" }, policy: { min_team_size: 3 },
    tasks: [{ id: "T1", department: "SCJG", items: [] }, { id: "T2", department: "CG", items: [] }] };
  const book = new RuleBook(instance, windowWorkdays(instance));
  const need = book.requirement({ tasks: ["T2", "T1"], departments: ["CG", "SCJG"] });
  assert.deepEqual([...need], [["CG", 2], ["SCJG", 1]]);
});

test("a team's visits in one district share a day, up to the daily limit", () => {
  const instance = { window: { start: "2027-03-01", end: "2027-03-05" }, policy: { daily_visits_per_inspector: 2 },
    inspectors: [{ id: "E1" }, { id: "E2", unavailable: ["2027-03-01"] }],
    entities: ["A", "B", "C"].map((u) => ({ uscc: u, district: "1" })) };
  const staffed = ["A", "B", "C"].map((u, n) => ({ id: `V0000${n + 1}`, uscc: u, team: ["E1", "E2"] }));
  const { dates, unscheduled } = scheduleVisits(instance, staffed, windowWorkdays(instance));
  assert.deepEqual([...dates], [["V00001", "2027-03-02"], ["V00002", "2027-03-02"], ["V00003", "2027-03-03"]]);
  assert.equal(unscheduled.size, 0);
});
