// Loads the plan's preview fragment into #preview (its data-url), so the plan
// page shows at once and the estimate follows. A static file, not an inline
// script: the Content-Security-Policy allows scripts from 'self' only.
(function () {
  var box = document.getElementById('preview');
  if (!box || !box.dataset.url) { return; }
  fetch(box.dataset.url, {credentials: 'same-origin'}).then(function (r) { return r.ok ? r.text() : null; })
    .then(function (html) { if (html) { box.innerHTML = html; } });
})();
