/* The live duplicate check on the partner forms (the kernel's new and edit pages and crm's
   "New customer"; the box comes from crm's form_extras hook): as the user types or leaves the
   name, phone, mobile, e-mail, WeChat or QQ fields, ask the box's data-check-url and show the
   warnings above the form. Plain DOM; every text is set with textContent, never parsed as
   HTML. Nothing blocks saving. */
(function () {
  "use strict";
  var box = document.getElementById("zg-crm-dup-warnings");
  var form = document.getElementById("zg-record-form");
  if (!box || !form) return;
  var data = {url: box.getAttribute("data-check-url"), id: box.getAttribute("data-record-id")};
  var FIELDS = ["name", "phone", "mobile", "email", "wechat", "qq"];
  var timer = null;
  var asked = 0;
  var last = "";

  function field(name) { return form.querySelector("[name='" + name + "']"); }

  function query() {
    var params = data.id ? ["id=" + encodeURIComponent(data.id)] : [];
    FIELDS.forEach(function (name) {
      var input = field(name);
      if (input && input.value.trim()) params.push(name + "=" + encodeURIComponent(input.value.trim()));
    });
    return params.join("&");
  }

  function show(warnings) {
    while (box.firstChild) box.removeChild(box.firstChild);
    box.hidden = !warnings.length;
    warnings.forEach(function (warning) {
      var p = document.createElement("p");
      p.className = "zg-crm-dup zg-crm-dup-" + warning.kind + " mb-1";
      var strong = document.createElement("strong");
      if (warning.kind === "similar") {
        strong.textContent = warning.text + " ";
        p.appendChild(strong);
        warning.items.forEach(function (item, i) {
          if (i) p.appendChild(document.createTextNode("; "));
          var el = item.url ? document.createElement("a") : document.createElement("span");
          if (item.url) { el.href = item.url; el.target = "_blank"; el.rel = "noopener"; }
          el.textContent = item.text;
          p.appendChild(el);
        });
      } else {
        var target = warning.items[0] && warning.items[0].url;
        var el = target ? document.createElement("a") : strong;
        if (target) { el.href = target; el.target = "_blank"; el.rel = "noopener"; }
        el.textContent = warning.text;
        p.appendChild(el);
      }
      box.appendChild(p);
    });
  }

  function check() {
    var q = query();
    if (q === last) return;
    last = q;
    var mine = ++asked;
    if (!q || q === (data.id ? "id=" + encodeURIComponent(data.id) : "")) { show([]); return; }
    fetch(data.url + "?" + q, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : {warnings: []}; })
      .then(function (answer) { if (mine === asked) show(answer.warnings || []); })
      .catch(function () {});
  }

  FIELDS.forEach(function (name) {
    var input = field(name);
    if (!input) return;
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(check, 500); });
    input.addEventListener("change", check);
    input.addEventListener("blur", check);
  });
  check();  // a form shown again after an error: warn at once
})();
