/* The unread notifications badge, kept current by server-sent events.
 *
 * The layout loads this script only for a signed-in user, with the stream's URL in
 * data-stream-url. The server sends "unread" events ({"count": n}) when the count
 * changes and ends each stream after a few minutes; EventSource reconnects by itself
 * (the server's "retry:" sets the delay). A hidden tab closes its stream, so
 * background tabs do not hold a server thread, and reopens it when shown again.
 * Plain DOM, no jQuery; the count is written with textContent only.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var url = script && script.getAttribute("data-stream-url");
  var link = document.querySelector("a.zg-notifications");
  if (!url || !link || typeof window.EventSource !== "function") {
    return;
  }

  function badge(create) {
    var el = link.querySelector(".zg-badge");
    if (!el && create) {
      el = document.createElement("span");
      el.className = "zg-badge";
      link.appendChild(el);
    }
    return el;
  }

  function show(count) {
    var el = badge(count > 0);
    if (!el) {
      return;
    }
    el.setAttribute("data-unread", String(count));
    el.textContent = count > 99 ? "99+" : String(count);
    el.hidden = count <= 0;
  }

  var source = null;

  function onUnread(event) {
    var data;
    try {
      data = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    var count = parseInt(data && data.count, 10);
    if (!isNaN(count) && count >= 0) {
      show(count);
    }
  }

  function open() {
    if (source === null) {
      source = new EventSource(url);
      source.addEventListener("unread", onUnread);
    }
  }

  function close() {
    if (source !== null) {
      source.close();
      source = null;
    }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      close();
    } else {
      open();
    }
  });
  window.addEventListener("pagehide", close);
  if (!document.hidden) {
    open();
  }
})();
