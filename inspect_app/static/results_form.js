/* The results form (templates/inspector/results.html): autosave as the
 * inspector types. Every change is kept in localStorage (per visit and
 * revision) before it is sent, so a reload after a lost connection restores
 * it; saves carry an increasing seq (the server ignores a repeated or older
 * one), are debounced (800 ms) and retried with backoff when the network
 * fails. The status line's texts come from data- attributes (translated by
 * the server). */
(function () {
  "use strict";
  var form = document.getElementById("results-form");
  if (!form) { return; }
  var d = form.dataset;
  var key = "results:" + d.visit + ":" + d.revision;
  var savedSeq = parseInt(d.savedSeq, 10) || 0;
  if (d.editable !== "1") {
    try { localStorage.removeItem(key); } catch (e) { /* storage unavailable */ }
    return;
  }
  var status = document.getElementById("save-status");
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var seqInput = form.querySelector("input[name=seq]");
  var stored = load();
  var seq = Math.max(stored.seq || 0, savedSeq);
  var pending = stored.pending || null;
  if (pending && stored.formSeq && savedSeq >= stored.formSeq) { pending = null; }  // the plain post saved it
  var timer = null, inFlight = false, again = false, retryDelay = 1000, loginNeeded = false;

  function refreshToken() {  // a fresh CSRF token from the page itself (tokens expire)
    return fetch(window.location.href, {credentials: "same-origin"}).then(function (r) {
      return r.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var input = doc.querySelector("#results-form input[name=csrf_token]");
      if (input && input.value) {
        csrf = input.value;
        form.querySelector("input[name=csrf_token]").value = csrf;
      }
    }).catch(function () { /* offline: the retry comes back here */ });
  }

  function load() {
    try { return JSON.parse(localStorage.getItem(key) || "{}") || {}; } catch (e) { return {}; }
  }
  function persist(extra) {
    var value = {seq: seq, pending: pending};
    if (extra) { Object.keys(extra).forEach(function (k) { value[k] = extra[k]; }); }
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* storage full or off */ }
  }
  function show(text, kind) {
    if (!status) { return; }
    status.textContent = text;
    status.className = "save-status " + (kind || "");
  }
  function hhmm() {
    var now = new Date();
    return ("0" + now.getHours()).slice(-2) + ":" + ("0" + now.getMinutes()).slice(-2);
  }
  function items() { return Array.prototype.slice.call(form.querySelectorAll(".result-item")); }
  function field(item, name) { return item.querySelector("[name='" + name + "-" + item.dataset.item + "']"); }

  function snapshot() {
    var data = {completed_on: form.elements.completed_on.value, items: {}};
    items().forEach(function (item) {
      data.items[item.dataset.item] = {code: field(item, "code").value, remark: field(item, "remark").value,
                                       rectify_by: field(item, "rectify_by").value};
    });
    return data;
  }
  function restore(data) {
    if (typeof data.completed_on === "string") { form.elements.completed_on.value = data.completed_on; }
    items().forEach(function (item) {
      var v = (data.items || {})[item.dataset.item];
      if (!v) { return; }
      ["code", "remark", "rectify_by"].forEach(function (name) {
        var el = field(item, name);
        if (el && typeof v[name] === "string") { el.value = v[name]; }
      });
    });
  }
  function selected(item) {
    var select = field(item, "code");
    return select.options[select.selectedIndex] || {dataset: {}};
  }
  function refresh() {  // the deadline where the code takes one; required markers
    items().forEach(function (item) {
      var option = selected(item);
      var deadline = option.dataset.deadline || "";
      var label = item.querySelector(".deadline");
      label.hidden = !deadline;
      field(item, "rectify_by").required = deadline === "required";
      field(item, "remark").required = option.dataset.remark === "1";
    });
  }
  function clearErrors() {
    Array.prototype.forEach.call(form.querySelectorAll("[data-error]"), function (el) { el.remove(); });
  }
  function showErrors(errors) {
    clearErrors();
    (errors || []).forEach(function (e) {
      var p = document.createElement("p");
      p.className = "error";
      p.dataset.error = (e.item === null ? "" : e.item) + ":" + e.field;
      p.textContent = e.message;
      var target = e.item === null ? form.querySelector(".completed")
        : form.querySelector("[name='" + e.field + "-" + e.item + "']");
      var anchor = target && target.closest ? (target.closest("label") || target) : null;
      if (anchor && anchor.parentNode) { anchor.parentNode.insertBefore(p, anchor.nextSibling); }
      else if (status) { status.parentNode.insertBefore(p, status); }
    });
  }
  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(send, delay);
  }
  function changed(event) {
    var target = event && event.target;
    if (target && target.classList && target.classList.contains("result-code")) {
      var option = target.options[target.selectedIndex];
      if (option && option.dataset.whole === "1") {  // the entity is closed or gone: every item
        form.querySelectorAll(".result-code").forEach(function (s) { s.value = target.value; });
      }
    }
    refresh();
    pending = snapshot();
    persist();
    show(d.textUnsaved, "unsaved");
    schedule(800);
  }
  function send() {
    if (!pending) { return; }
    if (inFlight) { again = true; return; }
    seq += 1;
    var sent = pending, mySeq = seq;
    var body = {seq: mySeq, completed_on: sent.completed_on, items: sent.items};
    persist();
    inFlight = true;
    show(d.textSaving, "saving");
    fetch(d.endpoint, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: JSON.stringify(body)
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.redirected || type.indexOf("application/json") < 0) {
        // not our JSON: the login page (session ended) or the CSRF token expired
        if (response.redirected) { loginNeeded = true; }
        return refreshToken().then(function () { throw new Error("not saved"); });
      }
      return response.json().then(function (json) { return {status: response.status, body: json}; });
    }).then(function (res) {
      inFlight = false;
      if (res.status === 200) {
        retryDelay = 1000;
        if (res.body.saved > mySeq) {  // a later save (another device) came first: send ours after it
          seq = res.body.saved;
          persist();
          schedule(0);
          return;
        }
        if (pending === sent) { pending = null; }
        seqInput.value = seq + 1;
        persist();
        clearErrors();
        show(d.textSaved + " " + hhmm(), "saved");
        if (again || pending) { again = false; schedule(800); }
      } else if (res.status === 400) {
        showErrors(res.body.errors);
        show(d.textInvalid, "invalid");  // kept locally; sent again after the next change
      } else if (res.status === 409) {
        show(res.body.message || d.textLocked, "invalid");
      } else {
        throw new Error("status " + res.status);
      }
    }).catch(function () {
      inFlight = false;
      show(loginNeeded ? d.textLogin : d.textOffline, "offline");
      loginNeeded = false;
      retryDelay = Math.min(retryDelay * 2, 30000);
      schedule(retryDelay);
    });
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () {  // a plain post (save or submit) carries the newest values
    clearTimeout(timer);
    seq += 1;
    seqInput.value = seq;
    pending = snapshot();
    persist({formSeq: seq});
  });
  window.addEventListener("online", function () { if (pending) { schedule(0); } });
  if (pending) {
    restore(pending);
    show(d.textUnsaved, "unsaved");
    schedule(0);
  }
  seqInput.value = seq + 1;
  refresh();
}());
