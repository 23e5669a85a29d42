// publist: client-side filter of publication lists by text, year and type. No network.
// The URL query (?q=…&year=…&type=…) presets the filter, so a filtered list can be linked.
(function () {
  "use strict";
  function fold(s) {
    return s.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }
  document.querySelectorAll("[data-filter]").forEach(function (form) {
    var list = form.parentNode.querySelector("[data-publist]");
    if (!list) return;
    var text = form.querySelector("[data-filter-text]");
    var year = form.querySelector("[data-filter-year]");
    var kind = form.querySelector("[data-filter-kind]");
    var count = form.querySelector("[data-filter-count]");
    var items = Array.prototype.slice.call(list.querySelectorAll("li.pub"));
    var texts = items.map(function (li) { return fold(li.textContent); });
    var sections = Array.prototype.slice.call(list.querySelectorAll("[data-section]")).reverse();
    function apply() {
      var words = fold(text.value).split(/\s+/).filter(Boolean);
      var y = year.value, k = kind.value, shown = 0;
      items.forEach(function (li, i) {
        var ok = (!y || li.getAttribute("data-year") === y) &&
          (!k || li.getAttribute("data-kind") === k) &&
          words.every(function (w) { return texts[i].indexOf(w) >= 0; });
        li.hidden = !ok;
        if (ok) shown++;
      });
      sections.forEach(function (s) { s.hidden = !s.querySelector("li.pub:not([hidden])"); });
      count.textContent = String(shown);
    }
    var params = new URLSearchParams(window.location.search);
    if (params.get("q")) text.value = params.get("q");
    if (params.get("year")) year.value = params.get("year");
    if (params.get("type")) kind.value = params.get("type");
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
    apply();
  });
})();
