/* Reference fields (core/fields.py): a search box above a select that holds the chosen
   records; typing asks the model's lookup URL for matches (pinyin, initials, phones…).
   Plain DOM; labels are set as text, never parsed as HTML. */
(function () {
  "use strict";

  function enhance(select) {
    var url = select.getAttribute("data-zg-lookup");
    var box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm zg-ref-search";
    box.placeholder = select.getAttribute("data-zg-placeholder") || "";
    box.setAttribute("aria-label", box.placeholder);
    box.autocomplete = "off";
    select.parentNode.insertBefore(box, select);
    var timer = null;
    var asked = 0;

    function fill(items) {
      // Keep the chosen options (and the empty one); replace the rest with the matches.
      Array.prototype.slice.call(select.options).forEach(function (option) {
        if (!option.selected && option.value !== "") select.removeChild(option);
      });
      var have = {};
      Array.prototype.forEach.call(select.options, function (o) { have[o.value] = true; });
      items.forEach(function (item) {
        var value = String(item.id);
        if (have[value]) return;
        var option = document.createElement("option");
        option.value = value;
        option.textContent = item.label;
        select.appendChild(option);
      });
      // Open the list only while the person is still typing (a late answer must not reopen it).
      if (!select.multiple && items.length && box.value && document.activeElement === box) {
        select.size = Math.min(8, select.options.length);
      }
    }

    function search() {
      var mine = ++asked;
      var sep = url.indexOf("?") < 0 ? "?" : "&";
      fetch(url + sep + "q=" + encodeURIComponent(box.value), {credentials: "same-origin",
                                                               headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (items) { if (mine === asked) fill(items); })
        .catch(function () {});
    }

    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    box.addEventListener("focus", function () { if (select.options.length <= 2) search(); });
    select.addEventListener("change", function () { if (!select.multiple) select.size = 0; });
  }

  window.zgReference = enhance;  // rows added later (the line editor) enhance their own selects
  function start() {
    document.querySelectorAll("select[data-zg-lookup]").forEach(enhance);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
