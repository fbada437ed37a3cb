// The operator's console: on the new-tenant form, addons outside the chosen plan cannot be
// ticked (the server refuses them anyway). No HTML is built from page data.
(function () {
  "use strict";
  var select = document.querySelector("select[data-console-plan]");
  if (!select) { return; }
  function apply() {
    var option = select.options[select.selectedIndex];
    var allowed = (option.getAttribute("data-allowed") || "*").split(" ");
    var any = allowed.indexOf("*") >= 0;
    document.querySelectorAll(".zg-console-addons input[name=addons]").forEach(function (box) {
      var ok = any || allowed.indexOf(box.value) >= 0;
      box.disabled = !ok;
      if (!ok) { box.checked = false; }
      box.closest("li").classList.toggle("zg-console-off", !ok);
    });
  }
  select.addEventListener("change", apply);
  apply();
})();
