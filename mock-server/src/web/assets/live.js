// The journal page's live mode: when the box is ticked, long-poll /web/journal/seq and, when
// the journal has grown, fetch this same page (same filters) and swap in its #journal-body.
// Plain JavaScript, no library; the token comes from the page's own address.
(function () {
  "use strict";
  var box = document.getElementById("live");
  if (!box) { return; }
  var token = new URLSearchParams(window.location.search).get("token") || "";
  var polling = false;

  function body() { return document.getElementById("journal-body"); }

  function refresh() {
    return fetch(window.location.href, { cache: "no-store" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("journal-body");
        if (fresh) { body().replaceWith(document.importNode(fresh, true)); }
      });
  }

  function poll() {
    if (!box.checked) { polling = false; return; }
    polling = true;
    var since = body().getAttribute("data-seq") || "0";
    var url = "/web/journal/seq?token=" + encodeURIComponent(token) + "&since=" + since + "&wait_ms=25000";
    fetch(url, { cache: "no-store" })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.text(); })
      .then(function (latest) { return Number(latest) > Number(since) ? refresh() : null; })
      .then(poll, function () { window.setTimeout(poll, 5000); });
  }

  box.addEventListener("change", function () { if (box.checked && !polling) { poll(); } });
})();
