/* The line editor of documents (core/web/lines.py, templates/widgets/lines.pt): add and
   remove rows, running line amounts and totals. Plain DOM; the prototype row is the
   server's own rendering (never user input), labels are set as text. */
(function () {
  "use strict";

  function setUp(root) {
    // Plain DOM. The prototype row is our server's own rendering (never user input).
    if (root.getAttribute("data-zg-ready")) return;
    root.setAttribute("data-zg-ready", "1");
    var config = JSON.parse(root.getAttribute("data-zg-lines"));
    var body = root.querySelector(".zg-lines-body");
    var proto = root.querySelector(".deform-proto");
    var foot = root.querySelector(".zg-lines-totals");
    var form = root.closest("form");

    function value(row, name) {
      var input = row.querySelector("[name='" + name + "']");
      if (!input) return null;
      var n = parseFloat(String(input.value).replace(/,/g, ""));
      return isNaN(n) ? 0 : n;
    }
    function includeTax() {
      var box = form && config.totals ? form.querySelector("[name='" + config.totals.include_tax + "']") : null;
      return box ? box.checked : true;
    }
    function round2(n) { return Math.round((n + (n < 0 ? -1e-9 : 1e-9)) * 100) / 100; }
    function fmt(n) { return n.toLocaleString(undefined, {minimumFractionDigits: 2, maximumFractionDigits: 2}); }
    function cell(row, text, cls) {
      var td = document.createElement(row.parentNode.tagName === "THEAD" ? "th" : "td");
      td.textContent = text;
      if (cls) td.className = cls;
      row.appendChild(td);
      return td;
    }
    function refresh() {
      var rows = body.querySelectorAll("tr.zg-line");
      root.classList.toggle("zg-lines-none", rows.length === 0);
      var t = config.totals, untaxed = 0, tax = 0, total = 0;
      Array.prototype.forEach.call(rows, function (row, i) {
        row.querySelector(".zg-line-number").textContent = String(i + 1);
        var out = row.querySelector(".zg-line-amount");
        if (!t) { out.textContent = ""; return; }
        var gross = value(row, t.quantity) * value(row, t.price) * (1 - (value(row, t.discount) || 0) / 100);
        var rate = (value(row, t.tax_rate) || 0) / 100, lineTotal, lineUntaxed;
        if (includeTax()) { lineTotal = round2(gross); lineUntaxed = round2(gross / (1 + rate)); }
        else { lineUntaxed = round2(gross); lineTotal = lineUntaxed + round2(lineUntaxed * rate); }
        untaxed += lineUntaxed; total += lineTotal; tax += lineTotal - lineUntaxed;
        out.textContent = fmt(lineTotal);
      });
      foot.textContent = "";
      if (!t) return;
      [["untaxed", untaxed], ["tax", tax], ["total", total]].forEach(function (pair) {
        var tr = document.createElement("tr");
        tr.className = "zg-lines-sum zg-sum-" + pair[0];
        foot.appendChild(tr);
        var label = cell(tr, config.words[pair[0]], "zg-num");
        label.colSpan = root.querySelectorAll("thead th").length - 2;
        cell(tr, fmt(round2(pair[1])), "zg-num zg-line-amount");
        cell(tr, "", "");
      });
    }
    function add() {
      var html = decodeURIComponent(proto.getAttribute("prototype"));
      var suffix = "-" + Math.random().toString(36).slice(2, 8);
      html = html.replace(/deformField(\d+)/g, "deformField$1" + suffix);
      var holder = document.createElement("tbody");
      holder.innerHTML = html;
      var row = holder.querySelector("tr");
      body.appendChild(row);
      if (window.zgReference) row.querySelectorAll("select[data-zg-lookup]").forEach(window.zgReference);
      refresh();
      var first = row.querySelector("input:not([type=hidden]), select, textarea");
      if (first) first.focus();
    }
    root.querySelector(".zg-lines-add").addEventListener("click", add);
    body.addEventListener("click", function (event) {
      var button = event.target.closest(".zg-line-remove");
      if (button) { button.closest("tr").remove(); refresh(); }
    });
    body.addEventListener("input", refresh);
    if (form) form.addEventListener("change", refresh);
    refresh();
  }

  function start() { document.querySelectorAll(".zg-lines[data-zg-lines]").forEach(setUp); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
