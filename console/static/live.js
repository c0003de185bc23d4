// Refreshes the live figures of Tổng quan every 15 s without reloading.
(function () {
  var el = document.getElementById("live");
  if (!el) return;
  setInterval(function () {
    fetch(el.dataset.src, { credentials: "same-origin" }).then(function (r) {
      if (r.status === 401 || r.status === 403) { location.reload(); return null; }
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html !== null && html !== undefined) el.innerHTML = html;
    }).catch(function () {});
  }, 15000);
})();
