// An unfilled visit's reason in words, Chinese or English (docs/draw-protocol.md
// 9.1, 9.3): format /2 holds a code and its parameters, worded here where the
// page shows them (the same words as the web app's review page,
// inspect_app/services/unfilled_reasons.py); a format /1 reason is English text,
// shown as it was sealed. Rewording changes no outcome and no verification.

const RULES = ["outside_jurisdiction", "inactive", "no_certificate", "certificate_expired", "not_qualified",
  "no_available_day", "no_capacity", "declared_conflict", "checked_last_time", "local_supervisor"];

const WORDS = {
  zh: {
    rule: {
      outside_jurisdiction: (n) => `${n} 名不在企业属地`,
      inactive: (n) => `${n} 名不在岗`,
      no_certificate: (n) => `${n} 名无执法证`,
      certificate_expired: (n) => `${n} 名执法证在检查期结束前到期`,
      not_qualified: (n, q) => `${n} 名不具备资质（${q}）`,
      no_available_day: (n) => `${n} 名在检查期每个工作日均请假`,
      no_capacity: (n) => `${n} 名无检查容量`,
      declared_conflict: (n) => `${n} 名已申报与企业存在利害关系`,
      checked_last_time: (n) => `${n} 名参加了该企业上次检查（轮换）`,
      local_supervisor: (n) => `${n} 名为该企业属地监管人员`,
    },
    list: "、",
    join: "；",
    none: (d) => `${d} 在本次抽取中没有检查人员`,
    shortage: (d, n, m, e, x) => `${d}：需 ${n} 名检查人员，${m} 名中仅 ${e} 名符合条件（${x}）`,
    capacity: (d, n, e) => `${d}：需 ${n} 名检查人员，符合条件的有 ${e} 名，但无论怎样安排优先级更高的检查，其中有余量的都不足 ${n} 名`,
    pair: (a, b) => `检查人员 ${a} 与 ${b} 不得同组，且没有尚有余量的符合条件人员可以替换`,
    noDay: (t) => `检查期内没有全组（${t}）都能出勤的工作日`,
    booked: (t, n, l) => `全组（${t}）都能出勤的 ${n} 个工作日均已排满（每人每天最多 ${l} 次检查）`,
    notStaffed: "未能组成检查组",
    notScheduled: "未能为检查组安排工作日",
    unknown: (c) => `未知的原因代码 ${c}`,
  },
  en: {
    rule: {
      outside_jurisdiction: (n) => `${n} outside the entity's jurisdiction`,
      inactive: (n) => `${n} inactive`,
      no_certificate: (n) => `${n} without an enforcement certificate`,
      certificate_expired: (n) => `${n} with a certificate expiring before the window ends`,
      not_qualified: (n, q) => `${n} not qualified (${q})`,
      no_available_day: (n) => `${n} on leave on every working day`,
      no_capacity: (n) => `${n} without visit capacity`,
      declared_conflict: (n) => `${n} declared a conflict with the entity`,
      checked_last_time: (n) => `${n} on the entity's last check (rotation)`,
      local_supervisor: (n) => `${n} local supervisors of the entity`,
    },
    list: ", ",
    join: "; ",
    none: (d) => `${d} has no inspectors in this draw`,
    shortage: (d, n, m, e, x) => `${d}: ${n} inspector(s) needed, ${e} of ${m} eligible (${x})`,
    capacity: (d, n, e) => `${d}: ${n} inspector(s) needed, ${e} eligible, but no assignment of the higher-priority ` +
      `visits leaves ${n} of them with spare capacity`,
    pair: (a, b) => `Inspectors ${a} and ${b} must not serve on one team, and no eligible replacement with spare ` +
      "capacity resolves it",
    noDay: (t) => `No working day of the window on which the whole team (${t}) is available`,
    booked: (t, n, l) => `The team (${t}) is fully booked on all ${n} working days on which all of them are ` +
      `available (at most ${l} visits per inspector and day)`,
    notStaffed: "No team could be formed",
    notScheduled: "No working day could be found for the team",
    unknown: (c) => `Unknown reason code ${c}`,
  },
};

const str = (v) => (v === undefined || v === null ? "?" : String(v));

/** The words of one reason; `names` maps department ids to names, `lang` is "zh" or "en". */
export function reasonText(reason, names = {}, lang = "zh") {
  const w = WORDS[lang] || WORDS.zh;
  if (reason === null || typeof reason !== "object" || Array.isArray(reason)) return str(reason);
  const name = (id) => (Object.prototype.hasOwnProperty.call(names, id) ? names[id] : str(id));
  const team = (t) => (Array.isArray(t) ? t.map(str).join(w.list) : str(t));
  switch (reason.code) {
    case "too_few_eligible":
      return (Array.isArray(reason.departments) ? reason.departments : []).map((s) => {
        if (s.members === 0) return w.none(name(s.department));
        const quals = (Array.isArray(s.qualifications) ? s.qualifications.map(str) : []).join(w.list) || "-";
        const dropped = s.dropped && typeof s.dropped === "object" ? s.dropped : {};
        const details = RULES.filter((r) => Object.prototype.hasOwnProperty.call(dropped, r))
          .map((r) => w.rule[r](str(dropped[r]), quals)).join(w.join);
        return w.shortage(name(s.department), str(s.needed), str(s.members), str(s.eligible), details);
      }).join(w.join);
    case "capacity":
      return w.capacity(name(reason.department), str(reason.needed), str(reason.eligible));
    case "pair_conflict": {
      const [a, b] = Array.isArray(reason.inspectors) ? reason.inspectors : [];
      return w.pair(str(a), str(b));
    }
    case "no_common_day":
      return w.noDay(team(reason.team));
    case "days_fully_booked":
      return w.booked(team(reason.team), str(reason.days), str(reason.limit));
    case "not_staffed":
      return w.notStaffed;
    case "not_scheduled":
      return w.notScheduled;
    default:
      return w.unknown(str(reason.code));
  }
}
