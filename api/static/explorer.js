// The explorer's only script: says what the search box holds while typing, and shows the index's
// lag behind the chain. Pages work without it.
(function () {
  "use strict";

  function kindOf(text) {
    var q = text.trim();
    if (!q) return "";
    if (/^0x[0-9a-f]{64}$/i.test(q)) return "transaction";
    if (/^0x[0-9a-f]{40}$/i.test(q)) return "account";
    if (/^[0-9][0-9,]*$/.test(q)) return "serial";
    if (/^JCM-/i.test(q)) return "serial block id";
    if (/^(batch\s*#?\s*|#)\d+$/i.test(q)) return "batch";
    return "project";
  }

  var input = document.getElementById("search");
  var hint = document.getElementById("search-hint");
  if (input && hint) {
    var update = function () { hint.textContent = kindOf(input.value); };
    input.addEventListener("input", update);
    update();
  }

  var badge = document.getElementById("health");
  if (badge && window.fetch) {
    fetch("/v1/health", { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (health) {
        if (!health) return;
        var text = "block " + health.indexed_block;
        if (health.lag !== null) text += " · lag " + health.lag;
        badge.textContent = text;
        badge.title = "index " + health.status;
      })
      .catch(function () { badge.textContent = "index"; });
  }
})();
