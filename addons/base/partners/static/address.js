/* The address cascade of partner and contact forms: country → province → city → district.
   Choosing a province reloads the cities (the districts, for a municipality without cities),
   choosing a city reloads the districts; outside China the three selects are disabled.
   The children come from /base/partners/divisions?parent=<code>. Plain DOM: names are set
   as text, never parsed as HTML. */
(function () {
  "use strict";

  function field(form, level) {
    return form.querySelector('select[data-zg-division="' + level + '"]');
  }

  function fill(select, items, keep) {
    var chosen = keep ? select.value : "";
    while (select.options.length) select.remove(0);
    var empty = document.createElement("option");
    empty.value = "";
    empty.textContent = "—";
    select.appendChild(empty);
    items.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.code;
      option.textContent = item.name;
      select.appendChild(option);
    });
    select.value = chosen;
    if (select.value !== chosen) select.value = "";
  }

  function load(url, parent) {
    return fetch(url + "?parent=" + encodeURIComponent(parent),
                 {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : []; })
      .catch(function () { return []; });
  }

  // Only the answer to the latest question fills a select: a slow answer to an earlier
  // choice must not overwrite what the person chose since.
  function latest(select) {
    var mine = (select.zgAsked = (select.zgAsked || 0) + 1);
    return function () { return select.zgAsked === mine; };
  }

  function setUp(form) {
    if (form.zgAddress) return;  // once per form, however often the script is included
    form.zgAddress = true;
    var province = field(form, 1), city = field(form, 2), district = field(form, 3);
    if (!province || !city || !district) return;
    var url = province.getAttribute("data-zg-divisions-url");
    var country = form.querySelector('select[name="country"]');

    // The children of a province: cities, or (municipality) its districts directly.
    function provinceChanged(keep) {
      var code = province.value;
      var current = latest(city);
      latest(district);
      if (!code) { fill(city, [], false); fill(district, [], false); return Promise.resolve(); }
      return load(url, code).then(function (items) {
        if (!current()) return null;
        var cities = items.filter(function (i) { return i.level === 2; });
        if (cities.length) {
          city.disabled = false;
          fill(city, cities, keep);
          if (!keep || !city.value) fill(district, [], false);
          return city.value ? cityChanged(keep) : null;
        }
        fill(city, [], false);
        city.disabled = true;
        latest(district);
        fill(district, items, keep);
        return null;
      });
    }

    function cityChanged(keep) {
      var current = latest(district);
      if (!city.value) { fill(district, [], false); return Promise.resolve(); }
      return load(url, city.value).then(function (items) { if (current()) fill(district, items, keep); });
    }

    function countryChanged() {
      var abroad = country && country.value && country.value !== "CN";
      [province, city, district].forEach(function (s) {
        if (abroad) s.value = "";
        s.disabled = abroad;
      });
      if (!abroad && country && country.value === "CN" && province.value) provinceChanged(true);
    }

    province.addEventListener("change", function () { provinceChanged(false); });
    city.addEventListener("change", function () { cityChanged(false); });
    if (country) country.addEventListener("change", countryChanged);
    // On load: offer the siblings of what is chosen (the server rendered only the choice).
    if (country && country.value && country.value !== "CN") countryChanged();
    else if (province.value) provinceChanged(true);
    // Disabled selects are not submitted: enable them just before sending.
    form.addEventListener("submit", function () {
      [city, district].forEach(function (s) { s.disabled = false; });
    });
  }

  function start() {
    var seen = [];
    document.querySelectorAll('select[data-zg-division="1"]').forEach(function (s) {
      if (s.form && seen.indexOf(s.form) < 0) { seen.push(s.form); setUp(s.form); }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
