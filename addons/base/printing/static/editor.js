/* Print template editor: the preview pane follows the text as it is typed.
   The preview is the server's rendering loaded into a sandboxed frame (the form is
   submitted to it); this script never handles the HTML itself. */
(function () {
  "use strict";
  var form = document.getElementById("zg-print-form");
  var refresh = document.getElementById("zg-print-refresh");
  if (!form || !refresh || !form.requestSubmit) { return; }
  var timer = null;
  function preview() {
    timer = null;
    form.requestSubmit(refresh);
  }
  function later() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(preview, 600);
  }
  ["zg-print-source", "zg-print-css"].forEach(function (id) {
    var area = document.getElementById(id);
    if (area) { area.addEventListener("input", later); }
  });
  var record = document.getElementById("zg-print-record");
  if (record) { record.addEventListener("change", preview); }
  preview();
})();
