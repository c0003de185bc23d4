// Refreshes the live figures of Tổng quan every 15 s without reloading:
// the server renders the part again (/console/live); a session that ended
// reloads the page, which then says so.
(function () {
  var el = document.getElementById("live");
  if (!el) return;
  function refresh() {
    return fetch(el.dataset.src, { credentials: "same-origin" }).then(function (r) {
      if (r.status === 401 || r.status === 403) { location.reload(); return null; }
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html) el.innerHTML = html;
    }).catch(function () {});
  }
  // Exposed for the browser test, which calls it instead of waiting 15 s.
  window.consoleRefresh = refresh;
  setInterval(refresh, 15000);
})();
