// Check-in: ask the browser for the position (if the user allows it) and put it in the form.
// Texts come from data attributes (translated by the page); no HTML is built from input.
(function () {
  "use strict";
  var status = document.getElementById("zg-crm-geo");
  var lat = document.getElementById("lat");
  var lng = document.getElementById("lng");
  if (!status || !lat || !lng || !navigator.geolocation) { return; }
  status.textContent = status.getAttribute("data-asking");
  navigator.geolocation.getCurrentPosition(function (pos) {
    lat.value = pos.coords.latitude.toFixed(6);
    lng.value = pos.coords.longitude.toFixed(6);
    status.textContent = status.getAttribute("data-found") + " " + lat.value + ", " + lng.value;
  }, function () {
    status.textContent = status.getAttribute("data-refused");
  }, {enableHighAccuracy: true, timeout: 10000, maximumAge: 60000});
})();
