// The explorer's only script: says what the search box holds while typing, and shows the index's
// lag behind the chain, in the page's language (labels come from data-* attributes the server
// rendered). Pages work without it.
(function () {
  "use strict";

  function kindOf(text) {
    var q = text.trim();
    if (!q) return "";
    if (/^0x[0-9a-f]{64}$/i.test(q)) return "transaction";
    if (/^0x[0-9a-f]{40}$/i.test(q)) return "account";
    if (/^[0-9][0-9,]*$/.test(q)) return "serial";
    if (/^JCM-/i.test(q)) return "block";
    if (/^(batch\s*#?\s*|#|バッチ\s*)\d+$/i.test(q)) return "batch";
    if (/^(retirement\s*#?\s*|R-?|無効化\s*)\d+$/i.test(q)) return "retirement";
    if (/^(cancellation\s*#?\s*|C-?|取消\s*)\d+$/i.test(q)) return "cancellation";
    if (/^[a-z]{2}$/i.test(q)) return "country";
    return "text";
  }

  var input = document.getElementById("search");
  var hint = document.getElementById("search-hint");
  if (input && hint) {
    var labels = {};
    try { labels = JSON.parse(hint.getAttribute("data-labels") || "{}"); } catch (e) { labels = {}; }
    var update = function () {
      var kind = kindOf(input.value);
      hint.textContent = kind ? (labels[kind] || kind) : "";
      hint.setAttribute("data-kind", kind);
    };
    input.addEventListener("input", update);
    update();
  }

  var badge = document.getElementById("health");
  if (badge && window.fetch) {
    fetch("/v1/health", { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (health) {
        if (!health) return;
        var text = (badge.getAttribute("data-block") || "block") + " " + health.indexed_block;
        if (health.lag !== null) text += " · " + (badge.getAttribute("data-lag") || "lag") + " " + health.lag;
        badge.textContent = text;
        badge.title = health.status;
      })
      .catch(function () { /* keep the server-rendered label */ });
  }
})();
