/* Zhanggui (掌柜) site script: the idle lock and the small-screen menu toggle.
 *
 * Plain DOM APIs only: deform ships an old jQuery whose HTML parsing must never see
 * user input, and nothing here needs it. Messages from the server are set with
 * textContent, never as HTML.
 *
 * Idle lock: <body data-idle-lock="N"> (minutes, 0 = never), data-unlock-url,
 * data-lock-url, data-alive-url and data-locked="1" (the server already considers
 * the session locked) come from the layout. Activity (keys, mouse, touch, scroll) in
 * any tab of the site counts (shared through localStorage). After N idle minutes the
 * #zg-lock overlay covers the page (the page itself stays, with its unsaved input),
 * the session is locked on the server too, and the password typed in the overlay
 * unlocks every tab.
 */
(function () {
  "use strict";

  var body = document.body;

  /* ---- small-screen menu: the ☰ button opens and closes #zg-nav ---- */
  var toggle = document.querySelector(".zg-menu-toggle");
  var nav = document.getElementById("zg-nav");
  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("zg-nav-open", open);
      body.classList.toggle("zg-nav-open", open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        toggle.click();
        toggle.focus();
      }
    });
    /* A tap on the dimmed page beside the open menu closes it (and does nothing else). */
    document.addEventListener("click", function (event) {
      if (toggle.getAttribute("aria-expanded") === "true" && !nav.contains(event.target)
          && !toggle.contains(event.target)) {
        event.preventDefault();
        toggle.click();
      }
    }, true);
  }

  /* Read-only fields holding a secret shown once (a new token or password). */
  Array.prototype.forEach.call(document.querySelectorAll("[data-select-on-focus]"), function (el) {
    el.addEventListener("focus", function () { el.select(); });
  });

  /* ---- idle lock ---- */
  var overlay = document.getElementById("zg-lock");
  var minutes = parseFloat(body.getAttribute("data-idle-lock") || "0") || 0;
  var lockedByServer = body.getAttribute("data-locked") === "1";
  if (!overlay || (minutes <= 0 && !lockedByServer)) {
    return;
  }
  var lockForm = overlay.querySelector(".zg-lock-box");
  var passwordInput = lockForm && lockForm.querySelector("input[type=password]");
  var errorBox = lockForm && lockForm.querySelector(".zg-lock-error");
  var defaultError = errorBox ? errorBox.textContent : "";
  var idleMs = minutes * 60 * 1000;
  var ACTIVE_KEY = "zg.idle.active";   // last activity in any tab (ms since epoch)
  var LOCK_KEY = "zg.idle.lock";       // "locked:<ms>" / "unlocked:<ms>", tells the other tabs
  var PING_EVERY = 60 * 1000;          // tell the server "still here" at most this often
  var SHARE_EVERY = 5 * 1000;          // write the shared activity time at most this often
  var locked = false;
  var lastActivity = Date.now();
  var lastShared = 0;
  var lastPing = Date.now();           // the page load itself was activity for the server
  var focusBefore = null;

  function storageGet(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function storageSet(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* private mode: this tab only */ }
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function post(url, data) {
    return window.fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRF-Token": csrfToken()
      },
      body: JSON.stringify(data || {})
    });
  }

  function readJson(response) {
    return response.json().then(function (data) { return data || {}; }, function () { return {}; });
  }

  /* Everything but the overlay is inert while locked: no typing into the page behind. */
  function setInert(value) {
    Array.prototype.forEach.call(body.children, function (el) {
      if (el !== overlay && el.tagName !== "SCRIPT") {
        el.inert = value;
        if (value) { el.setAttribute("aria-hidden", "true"); } else { el.removeAttribute("aria-hidden"); }
      }
    });
  }

  function showError(message) {
    if (!errorBox) { return; }
    errorBox.textContent = message || defaultError;
    errorBox.hidden = false;
  }

  function lock(tellOthers) {
    if (locked) { return; }
    locked = true;
    focusBefore = document.activeElement;
    overlay.hidden = false;
    body.classList.add("zg-locked");
    setInert(true);
    if (errorBox) { errorBox.hidden = true; }
    if (passwordInput) { passwordInput.value = ""; passwordInput.focus(); }
    if (tellOthers) {
      storageSet(LOCK_KEY, "locked:" + Date.now());
      var url = body.getAttribute("data-lock-url");
      if (url) { post(url).catch(function () { /* offline: the server locks on its own later */ }); }
    }
  }

  function unlocked(tellOthers) {
    if (!locked) { return; }
    locked = false;
    overlay.hidden = true;
    body.classList.remove("zg-locked");
    body.removeAttribute("data-locked");
    setInert(false);
    if (passwordInput) { passwordInput.value = ""; }
    if (errorBox) { errorBox.hidden = true; }
    lastActivity = lastPing = Date.now();
    storageSet(ACTIVE_KEY, String(lastActivity));
    if (tellOthers) { storageSet(LOCK_KEY, "unlocked:" + Date.now()); }
    if (focusBefore && focusBefore.focus && document.contains(focusBefore)) { focusBefore.focus(); }
  }

  function activity() {
    if (locked) { return; }
    var now = Date.now();
    lastActivity = now;
    if (now - lastShared >= SHARE_EVERY) {
      lastShared = now;
      storageSet(ACTIVE_KEY, String(now));
    }
    var aliveUrl = body.getAttribute("data-alive-url");
    if (aliveUrl && now - lastPing >= PING_EVERY) {
      lastPing = now;
      post(aliveUrl).then(function (response) {
        if (response.status === 401) {
          return readJson(response).then(function (data) { if (data.locked) { lock(false); } });
        }
      }).catch(function () { /* offline: nothing to do */ });
    }
  }

  function check() {
    if (locked || idleMs <= 0) { return; }
    var shared = parseInt(storageGet(ACTIVE_KEY) || "0", 10) || 0;
    if (Date.now() - Math.max(lastActivity, shared) >= idleMs) {
      lock(true);
    }
  }

  ["keydown", "mousedown", "mousemove", "touchstart", "wheel", "scroll", "input"].forEach(function (name) {
    document.addEventListener(name, activity, {capture: true, passive: true});
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { check(); }
  });
  window.addEventListener("storage", function (event) {
    if (event.key !== LOCK_KEY || !event.newValue) { return; }
    if (event.newValue.indexOf("locked:") === 0) { lock(false); }
    if (event.newValue.indexOf("unlocked:") === 0) { unlocked(false); }
  });
  /* Forms of the page cannot be sent while locked (the server would refuse them). */
  document.addEventListener("submit", function (event) {
    if (locked && !overlay.contains(event.target)) { event.preventDefault(); }
  }, true);

  if (lockForm) {
    lockForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = lockForm.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      post(body.getAttribute("data-unlock-url"), {password: passwordInput ? passwordInput.value : ""})
        .then(function (response) {
          return readJson(response).then(function (data) {
            if (response.ok && data.ok) {
              unlocked(true);
            } else {
              showError(data.error);
              if (passwordInput) { passwordInput.value = ""; passwordInput.focus(); }
            }
          });
        })
        .catch(function () { showError(""); })
        .then(function () { if (button) { button.disabled = false; } });
    });
  }

  if (lockedByServer) {
    lock(false);
  } else {
    storageSet(ACTIVE_KEY, String(lastActivity));
  }
  window.setInterval(check, 10 * 1000);
}());
