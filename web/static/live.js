// Herald's only script (no framework, nothing from another host).
// 1. Live rows: an element with data-live="/url" is replaced every few seconds by the
//    HTML that URL returns, until the server answers without data-live (a final state).
// 2. Caption counts: a textarea with data-counts="ID" shows its characters, hashtags and
//    @-mentions in the element ID, flagging a count over its data-max-* limit.
(function () {
  "use strict";
  var EVERY_MS = 3000;

  function refresh(el) {
    var url = el.getAttribute("data-live");
    if (!url) { return; }
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null || !el.isConnected) { return; }
        var holder = document.createElement(el.tagName === "TR" ? "tbody" : "div");
        holder.innerHTML = html.trim();
        var fresh = holder.firstElementChild;
        if (fresh) { el.replaceWith(fresh); }
      })
      .catch(function () { /* try again on the next tick */ });
  }

  function tick() {
    document.querySelectorAll("[data-live]").forEach(refresh);
  }

  function counts(area) {
    var out = document.getElementById(area.getAttribute("data-counts"));
    if (!out) { return; }
    var text = area.value;
    var chars = Array.from(text).length;
    var tags = (text.match(/(^|\s)#[^\s#@]+/g) || []).length;
    var mentions = (text.match(/(^|\s)@[A-Za-z0-9._]+/g) || []).length;
    function part(n, max, word) {
      var over = max && n > Number(max);
      return "<span" + (over ? " class=\"over\"" : "") + ">" + n +
        (max ? " / " + max : "") + " " + word + "</span>";
    }
    out.innerHTML = [
      part(chars, area.getAttribute("data-max-chars"), "characters"),
      part(tags, area.getAttribute("data-max-hashtags"), "hashtags"),
      part(mentions, area.getAttribute("data-max-mentions"), "mentions")
    ].join(" · ");
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-counts]").forEach(function (area) {
      area.addEventListener("input", function () { counts(area); });
      counts(area);
    });
    if (document.querySelector("[data-live]")) { setInterval(tick, EVERY_MS); }
  });
})();
