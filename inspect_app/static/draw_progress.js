// Polls a draw's background job (#progress, its data-url) and updates the
// progress line; reloads the page when the job is no longer busy. Polling
// starts only when the script tag says data-poll="1" (a pending or running,
// not interrupted job). A static file, not an inline script: the
// Content-Security-Policy allows scripts from 'self' only.
(function () {
  var script = document.currentScript;
  var box = document.getElementById('progress');
  if (!box || !box.dataset.url) { return; }
  function poll() {
    fetch(box.dataset.url, {credentials: 'same-origin'}).then(function (r) { return r.json(); }).then(function (d) {
      if (!d.busy) { window.location.reload(); return; }
      var j = d.job;
      document.getElementById('job-state').textContent = j.state_text || j.state;
      document.getElementById('job-stage').textContent = j.stage_text || j.stage || '';
      document.getElementById('job-count').textContent = j.total ? (j.done + '/' + j.total) : '';
      var bar = document.getElementById('job-bar');
      if (j.total) { bar.max = j.total; bar.value = j.done; } else { bar.removeAttribute('value'); }
      setTimeout(poll, 1000);
    }).catch(function () { setTimeout(poll, 3000); });
  }
  if (script && script.dataset.poll === '1') { setTimeout(poll, 1000); }
})();
