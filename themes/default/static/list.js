/* Lists and detail pages: select all, column order, confirmations, tabs, print.
   Plain DOM, no library; text only (never parse HTML from the page's data). */
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }

  onReady(function () {
    // Select or clear every row of a list.
    document.querySelectorAll("[data-check-all]").forEach(function (box) {
      box.addEventListener("change", function () {
        var form = box.closest("form");
        form.querySelectorAll("input[name=ids]").forEach(function (row) { row.checked = box.checked; });
      });
    });

    // Column dialog: move a column up or down; the checked ones are saved in that order.
    document.querySelectorAll(".zg-column-list [data-move]").forEach(function (button) {
      button.addEventListener("click", function () {
        var item = button.closest("li");
        var list = item.parentNode;
        if (button.getAttribute("data-move") === "up" && item.previousElementSibling) {
          list.insertBefore(item, item.previousElementSibling);
        } else if (button.getAttribute("data-move") === "down" && item.nextElementSibling) {
          list.insertBefore(item.nextElementSibling, item);
        }
        button.focus();
      });
    });

    // Ask before destructive actions (the question is plain text in data-confirm).
    document.querySelectorAll("form.zg-batch, form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        var question = form.getAttribute("data-confirm");
        var select = form.querySelector("select[name=action]");
        if (select) {
          var option = select.options[select.selectedIndex];
          question = option ? option.getAttribute("data-confirm") : null;
          if (!form.querySelector("input[name=ids]:checked")) {
            event.preventDefault();
            return;
          }
        }
        if (question && !window.confirm(question)) event.preventDefault();
      });
    });

    // Detail tabs: show one panel at a time (without script every panel is shown).
    var tabs = document.querySelector(".zg-tabs");
    if (tabs) {
      var links = Array.prototype.slice.call(tabs.querySelectorAll("a[href^='#']"));
      var show = function (id) {
        links.forEach(function (link) {
          var active = link.getAttribute("href") === "#" + id;
          link.classList.toggle("active", active);
          link.setAttribute("aria-selected", active ? "true" : "false");
          var panel = document.getElementById(link.getAttribute("href").slice(1));
          if (panel) panel.hidden = !active;
        });
      };
      links.forEach(function (link) {
        link.addEventListener("click", function (event) {
          event.preventDefault();
          show(link.getAttribute("href").slice(1));
          if (history.replaceState) history.replaceState(null, "", link.getAttribute("href"));
        });
      });
      tabs.parentNode.classList.add("zg-tabs-ready");
      var wanted = location.hash.slice(1);
      show(links.some(function (l) { return l.getAttribute("href") === "#" + wanted; }) ? wanted
        : links[0].getAttribute("href").slice(1));
    }

    // Print preview.
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
