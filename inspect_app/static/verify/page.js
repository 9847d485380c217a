// "在浏览器中验证 / Verify in my browser" on the public page of a revealed draw
// (templates/public/draw.html, #verify-browser).
//
// The button (hidden until this script runs: without JavaScript the page
// still offers the documents and the `python -m solver verify` command) starts
// worker.js, shows one progress bar per stage, and then the report: the
// verdict, every check with its status (not checked: why), the first
// discrepancy in the CLI's words, and the files with the offline command.
// A static module, not an inline script: the CSP allows scripts from 'self'.

import { reasonText } from "./reason_text.js";

const UNFILLED_SHOWN = 20; // distinct reasons listed

const TEXT = {
  zh: {
    running: "正在验证…",
    again: "重新验证",
    verified: "已验证",
    not_verified: "未通过",
    unreadable: "无法读取",
    error: "验证未能完成",
    passed: "通过",
    failed: "未通过",
    not_checked: "未检查",
    first: "第一处不一致（与命令行验证的措辞相同）：",
    checks: "检查项目",
    warnings: "提示",
    files: "离线验证：下载以下文件，在同一目录运行",
    seconds: (s) => `用时 ${s.toFixed(1)} 秒`,
    unfilled: (n) => `未能派员的检查（${n} 次），按原因：`,
    more: (n) => `另有 ${n} 种原因`,
    stage: {
      "download:instance": "下载 instance.json",
      "download:outcome": "下载 outcome.json",
      "download:register": "下载 register.json",
      read: "读取文件",
      digests: "计算摘要、承诺值和随机种子",
      u: "计算每个主体的随机数 u(e)",
      samples: "重新抽取各任务、各层的名单",
      visits: "核对检查任务及其部门",
      rules: "核对规则（资格、证件、回避、轮换、人数、休假、容量）",
      teams: "核对检查组的最优性证明",
      acceptance: "核对哪些检查能够派员（最大流）",
      schedule: "重做互斥人员调换并核对排期",
      stats: "核对统计",
      done: "完成",
    },
    detail: {
      register: "冻结摘要、承诺值、外部随机数、输入摘要和结果摘要与抽取前公示的数值一致",
      header: "格式、抽取编号、输入摘要、承诺值和随机种子由输入文件和密钥重新计算",
      samples: "按第 5 节重新抽取每个任务的名单和排除计数",
      visits: "每个被抽中的主体恰好出现一次，检查编号、任务和部门符合第 6 节",
      rules: "每个检查组：部门、证件、资格、回避、轮换、互斥人员、人数、休假；日期为工作日；每人不超过容量和每日上限",
      teams: "按结果文件所附的最优性证明（第 7.5 节）逐项核对，无需重新求解：各岗位的候选人员按种子重新抽出（第 7.3 节），检查组是其中的唯一最优解，且没有应当加倍候选人数而未加倍的部分；已加倍的候选人数是否确有必要不重做",
      teams_not_checked: "未检查：格式 /1 的结果文件没有最优性证明（第 9.5 节），本验证程序不重新求解",
      acceptance: "按第 7.2 节用最大流重新判定哪些检查能够派员（依优先顺序逐一加入，检查人员不超过容量），与结果文件一致",
      acceptance_not_checked: "未检查：格式 /1 的结果文件以文字说明原因（第 9.5 节）",
      schedule: "由经证明的最优检查组重做第 7.4 节的互斥人员调换，再按第 8 节重新排期；每个检查组和日期都一致",
      schedule_not_checked: "未检查",
      unfilled_reasons: "每个未能派员的检查及其原因都已重新计算，结果一致（第 9.1 节）",
      unfilled_reasons_not_checked: "未检查：格式 /1 的结果文件以文字说明原因（第 9.5 节）",
      unfilled_reasons_partial: "部分检查：因符合条件的检查人员不足而未能派员的原因（按第 7.1 节各条规则计数）已重新计算，结果一致；" +
        "其余原因需要先判定哪些检查能够派员并取得最优检查组（第 7.2、7.5 节），未检查",
      stats: "统计数值和文件的全部成员（第 9 节）",
      not_reached: "未进行：前面的检查已发现不一致",
    },
    not_made: (ids) => `以下检查未进行：${ids.join("、")}`,
    check: {
      register: "与抽取前公示的数值比对",
      input_digest: "输入摘要",
      commitment: "承诺值",
      seed: "随机种子",
      samples: "各任务、各层的抽取名单",
      excluded: "排除计数",
      u: "每个主体的随机数 u(e)",
      visits: "检查任务及其部门",
      rules: "每个检查组的资格与容量规则",
      schedule: "互斥人员调换后的检查组与排期",
      stats: "统计与文件成员",
      teams: "检查组的最优性",
      acceptance: "哪些检查能够派员",
      header: "格式、摘要、承诺值与随机种子",
      unfilled_reasons: "未能派员的检查及原因",
    },
  },
  en: {
    running: "Verifying…",
    again: "Verify again",
    verified: "Verified",
    not_verified: "Not verified",
    unreadable: "Unreadable",
    error: "The verification could not finish",
    passed: "passed",
    failed: "failed",
    not_checked: "not checked",
    first: "First discrepancy (worded as by the command line):",
    checks: "Checks",
    warnings: "Warnings",
    files: "Offline: download these files and run, in their folder",
    seconds: (s) => `${s.toFixed(1)} s`,
    unfilled: (n) => `Unfilled visits (${n}), by reason:`,
    more: (n) => `${n} more reasons`,
    stage: {
      "download:instance": "Downloading instance.json",
      "download:outcome": "Downloading outcome.json",
      "download:register": "Downloading register.json",
      read: "Reading the files",
      digests: "Digests, commitment and seed",
      u: "Every entity's number u(e)",
      samples: "Drawing the samples again",
      visits: "Visits and their departments",
      rules: "Rules (eligibility, certificate, conflicts, rotation, team size, leave, capacity)",
      teams: "The teams' optimality certificate",
      acceptance: "Which visits can be staffed (maximum flow)",
      schedule: "Pair-conflict swaps and the schedule",
      stats: "Statistics",
      done: "Done",
    },
    detail: {
      register: "frozen digest, commitment, entropy, input and result digests match what the register published before the draw",
      header: "format, draw id, input digest, commitment and seed re-derived from the instance and its secret",
      samples: "every task's samples and exclusion counts drawn again (section 5)",
      visits: "every drawn entity exactly once, with the id, tasks and departments of section 6",
      rules: "every team: departments, certificates, qualifications, conflicts, rotation, pair conflicts, size, leave; dates on working days; no inspector over capacity or the daily limit",
      teams: "checked from the outcome's optimality certificate (section 7.5), without re-solving: each place's candidates are drawn again from the seed (section 7.3) and the teams are their unique optimum, and no part should have widened its candidates further; whether a widened candidate bound was needed is not re-checked",
      teams_not_checked: "not checked: an outcome of format /1 carries no optimality certificate (section 9.5), and this verifier does not re-solve",
      acceptance: "which visits can be staffed decided again with a maximum flow (section 7.2: in priority order, no inspector over capacity); the outcome agrees",
      acceptance_not_checked: "not checked: an outcome of format /1 states its reasons as text (section 9.5)",
      schedule: "the pair-conflict swaps of 7.4 made again from the certified flow teams, then the dates (section 8): every team and date agrees",
      schedule_not_checked: "not checked",
      unfilled_reasons: "every unfilled visit and its reason recomputed, and they agree (section 9.1)",
      unfilled_reasons_not_checked: "not checked: an outcome of format /1 states its reasons as text (section 9.5)",
      unfilled_reasons_partial: "partly checked: the reasons of visits unfilled for want of eligible inspectors (counted rule by " +
        "rule, section 7.1) are recomputed and agree; the other reasons need the acceptance of 7.2 and the flow " +
        "teams (sections 7.2, 7.5): not checked",
      stats: "stats and every member of the document (section 9)",
      not_reached: "not made: an earlier check found a discrepancy",
    },
    not_made: (ids) => `checks not made: ${ids.join(", ")}`,
    check: {
      register: "Values the register published before the draw",
      input_digest: "Input digest",
      commitment: "Commitment",
      seed: "Seed",
      samples: "Samples per task and stratum",
      excluded: "Exclusion counts",
      u: "Every entity's number u(e)",
      visits: "Visits and their departments",
      rules: "Every team's eligibility and capacity rules",
      schedule: "Teams after the pair-conflict swaps, and the schedule",
      stats: "Statistics and document members",
      teams: "Teams' optimality",
      acceptance: "Which visits can be staffed",
      header: "Format, digests, commitment and seed",
      unfilled_reasons: "Unfilled visits and their reasons",
    },
  },
};

/** The CLI's line (what it prints after "NOT verified: "), whether `message` carries the path or not. */
export function cliLine(first) {
  const message = String(first.message || "");
  if (!first.path || message.startsWith(first.path)) return message;
  return `${first.path}: ${message}`;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

export function start(box) {
  const t = (box.dataset.locale || "zh_CN").startsWith("en") ? TEXT.en : TEXT.zh;
  const code = box.dataset.code;
  const button = box.querySelector("#verify-button");
  const stages = box.querySelector("#verify-progress");
  const result = box.querySelector("#verify-result");
  const urls = { instance: box.dataset.instance, outcome: box.dataset.outcome, register: box.dataset.register || null };
  const bars = new Map();
  let worker = null;

  function bar(stage) {
    let entry = bars.get(stage);
    if (!entry) {
      const progress = el("progress", { max: "1", value: "0" });
      const label = el("span", { class: "stage", text: t.stage[stage] || stage });
      const li = el("li", { "data-stage": stage }, label, " ", progress);
      stages.append(li);
      entry = { li, progress };
      bars.set(stage, entry);
    }
    return entry;
  }

  function files() {
    const list = el("ul", { id: "verify-files" });
    for (const name of ["instance.json", "secret.txt", "outcome.json", "register.json"]) {
      const href = box.dataset[name.split(".")[0]];
      if (href) list.append(el("li", {}, el("a", { href, download: `${code}-${name}`, text: `${code}-${name}` })));
    }
    const command = `python -m solver verify ${code}-instance.json ${code}-outcome.json --register ${code}-register.json`;
    return el("div", { class: "verify-files" }, el("p", { text: t.files }), list,
      el("pre", { id: "verify-command", text: command }));
  }

  function show(report, seconds) {
    result.replaceChildren();
    const verdict = report.verdict === "verified" ? t.verified : report.verdict === "unreadable" ? t.unreadable : t.not_verified;
    result.append(el("p", { id: "verify-verdict", class: `verdict ${report.verdict}`, "data-verdict": report.verdict, text: verdict }));
    if (seconds !== undefined) result.append(el("p", { class: "muted", id: "verify-time", text: t.seconds(seconds) }));
    if (report.first) {
      result.append(el("p", { text: t.first }), el("pre", { id: "verify-first", "data-path": report.first.path || "", text: cliLine(report.first) }));
    }
    const checks = el("ul", { id: "verify-checks" });
    for (const c of report.checks || []) {
      const li = el("li", { "data-check": c.id, "data-status": c.status, class: `check ${c.status}` },
        el("span", { class: "check-name", text: t.check[c.id] || c.id }), " ",
        el("code", { class: "check-id", text: c.id }), " ",
        el("strong", { class: "check-status", text: t[c.status] || c.status }));
      // a failed check shows the CLI's words (as the command line does); the others the page's own
      const detail = c.status === "failed" ? c.detail
        : c.status === "not_checked" && report.first && c.id !== "unfilled_reasons" ? t.detail.not_reached
          : (c.partial && t.detail[c.id + "_partial"]) || (c.status === "not_checked" && t.detail[c.id + "_not_checked"])
            || t.detail[c.id] || c.detail;
      if (detail) li.append(" ", el("span", { class: "check-detail", text: detail }));
      checks.append(li);
    }
    result.append(el("h3", { text: t.checks }), checks);
    if (report.unfilled && report.unfilled.length) {  // worded from the codes, in the page's language
      const lang = t === TEXT.en ? "en" : "zh";
      const list = el("ul", { id: "verify-unfilled" });
      for (const { reason, count } of report.unfilled.slice(0, UNFILLED_SHOWN)) {
        list.append(el("li", { text: `${count} × ${reasonText(reason, report.departments || {}, lang)}` }));
      }
      if (report.unfilled.length > UNFILLED_SHOWN) list.append(el("li", { text: t.more(report.unfilled.length - UNFILLED_SHOWN) }));
      const total = report.unfilled.reduce((n, g) => n + g.count, 0);
      result.append(el("h3", { text: t.unfilled(total) }), list);
    }
    if (report.warnings && report.warnings.length) {
      const list = el("ul", { id: "verify-warnings" });
      const skipped = (report.checks || []).filter((c) => c.status === "not_checked").map((c) => t.check[c.id] || c.id);
      for (const w of report.warnings) {
        const text = typeof w === "string" && w.startsWith("warning: checks not made") ? t.not_made(skipped) : w;
        list.append(el("li", { text: typeof text === "string" ? text : JSON.stringify(text) }));
      }
      result.append(el("h3", { text: t.warnings }), list);
    }
    result.append(files());
  }

  function failed(message) {
    result.replaceChildren(el("p", { id: "verify-verdict", class: "verdict error", "data-verdict": "error", text: t.error }),
      el("pre", { id: "verify-error", text: message }), files());
  }

  function finish() {
    button.disabled = false;
    button.textContent = t.again;
    box.dataset.state = "done";
    if (worker) worker.terminate();
    worker = null;
  }

  button.addEventListener("click", () => {
    if (worker) return;
    bars.clear();
    stages.replaceChildren();
    result.replaceChildren(el("p", { class: "muted", text: t.running }));
    button.disabled = true;
    box.dataset.state = "running";
    worker = new Worker(box.dataset.worker, { type: "module" });
    worker.onmessage = (event) => {
      const m = event.data;
      if (m.type === "progress") {
        bar(m.stage).progress.value = Math.max(0, Math.min(1, m.fraction));
      } else if (m.type === "report") {
        for (const { progress } of bars.values()) progress.value = 1;
        show(m.report, m.seconds);
        finish();
      } else if (m.type === "error") {
        failed(m.message);
        finish();
      }
    };
    worker.onerror = (event) => {
      failed(event.message || "worker error");
      finish();
    };
    worker.postMessage({ urls: { ...urls, instance: new URL(urls.instance, location.href).href,
      outcome: new URL(urls.outcome, location.href).href,
      register: urls.register ? new URL(urls.register, location.href).href : null } });
  });
  button.hidden = false;
}

const box = typeof document !== "undefined" && document.getElementById("verify-browser");
if (box) start(box);
