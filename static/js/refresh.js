// A region marked data-refresh-seconds fetches its page again now and then, sending the
// ETag it last saw: while nothing changed the shop answers 304 for one DynamoDB read.
(function () {
  "use strict";
  var region = document.querySelector("[data-refresh-seconds]");
  if (!region || !window.fetch) { return; }
  var every = Math.max(10, parseInt(region.getAttribute("data-refresh-seconds"), 10) || 30) * 1000;
  var etag = null;
  function busy() {  // never pull the page from under someone typing or choosing in it
    var active = document.activeElement;
    return active && region.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName);
  }
  function tick() {
    if (document.hidden || busy()) { return; }
    var headers = { "X-Refresh": "1" };
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(window.location.href, { headers: headers, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status !== 200) { return null; }
        etag = response.headers.get("ETag");
        return response.text();
      })
      .then(function (html) {
        if (!html) { return; }
        var next = new DOMParser().parseFromString(html, "text/html").querySelector("[data-refresh-seconds]");
        if (next && !busy()) { region.innerHTML = next.innerHTML; }
      })
      .catch(function () { /* offline or busy: try again next time */ });
  }
  window.setInterval(tick, every);
})();
