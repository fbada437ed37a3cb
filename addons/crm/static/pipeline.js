/* The pipeline board: drag a card to another column to move the opportunity there.
   Plain DOM and fetch to the JSON API (POST /api/v1/crm.opportunity/<id>/move); the
   page is reloaded after a move so that every total comes from the server. A drop on
   a lost column opens the lost-reason form. Texts from the server are set with
   textContent only. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("zg-crm-data").textContent);
  var T = JSON.parse(document.getElementById("zg-crm-texts").textContent);
  var status = document.getElementById("zg-crm-status");
  var dragged = null;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function say(text, bad) {
    status.textContent = text;
    status.className = "zg-crm-status" + (bad ? " zg-bad" : "");
  }

  function withId(url, marker, id) {
    return url.replace(marker, "/" + String(parseInt(id, 10)) + marker.slice(2));
  }

  function move(card, column) {
    var id = card.getAttribute("data-id");
    if (column.getAttribute("data-lost")) {
      say(T.lost_reason, false);
      window.location.href = withId(data.lost_url, "/0/act/lost", id);
      return;
    }
    say(T.moving, false);
    fetch(withId(data.move_url, "/0/move", id), {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrfToken()},
      body: JSON.stringify({stage_id: parseInt(column.getAttribute("data-stage-id"), 10)})
    }).then(function (response) {
      return response.json().then(function (body) { return {ok: response.ok, body: body}; });
    }).then(function (result) {
      if (result.ok) {
        window.location.reload();
        return;
      }
      var errors = result.body.errors || {};
      var text = result.body.error || Object.keys(errors).map(function (k) { return errors[k]; }).join("; ");
      say(T.failed.replace("${error}", text), true);
    }).catch(function (error) {
      say(T.failed.replace("${error}", String(error)), true);
    });
  }

  if (!data.can_edit) { return; }
  Array.prototype.forEach.call(document.querySelectorAll(".zg-crm-card"), function (card) {
    card.addEventListener("dragstart", function (event) {
      dragged = card;
      card.classList.add("zg-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.getAttribute("data-id"));
    });
    card.addEventListener("dragend", function () {
      card.classList.remove("zg-dragging");
      dragged = null;
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll(".zg-crm-column"), function (column) {
    column.addEventListener("dragover", function (event) {
      if (!dragged) { return; }
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      column.classList.add("zg-drop");
    });
    column.addEventListener("dragleave", function () { column.classList.remove("zg-drop"); });
    column.addEventListener("drop", function (event) {
      event.preventDefault();
      column.classList.remove("zg-drop");
      var card = dragged;
      if (!card || card.closest(".zg-crm-column") === column) { return; }
      column.querySelector(".zg-crm-cards").appendChild(card);
      move(card, column);
    });
  });
}());
