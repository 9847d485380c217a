// Registry import job page: poll the job's progress JSON while it runs and
// reload the page when it has finished (the report is rendered server-side).
(function () {
  'use strict';
  var box = document.getElementById('import-progress');
  if (!box) { return; }
  var mib = 1048576;
  function poll() {
    fetch(box.dataset.url, {credentials: 'same-origin'}).then(function (r) { return r.json(); }).then(function (d) {
      if (!d.busy) { window.location.reload(); return; }
      document.getElementById('import-rows').textContent = d.rows;
      document.getElementById('import-bytes').textContent = (d.bytes / mib).toFixed(1);
      var bar = document.getElementById('import-bar');
      bar.max = d.total_bytes || 1;
      bar.value = d.bytes;
      setTimeout(poll, 1000);
    }).catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
