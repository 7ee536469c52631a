// The TV display: shows the connection state, flashes a new call and plays each call's
// audio once, in order, never two at a time. Calls already on the board when the page
// opens are not replayed (a TV restarted mid-day stays quiet).
(function () {
  "use strict";
  var heard = null;        // call ids already announced (or present at start)
  var queue = [];
  var playing = false;
  var voice = document.body.dataset.voice === "on";

  function callIds() {
    return Array.prototype.map.call(document.querySelectorAll("[data-call-id]"),
      function (item) { return Number(item.dataset.callId); });
  }

  function playNext() {
    if (playing || queue.length === 0) { return; }
    playing = true;
    var id = queue.shift();
    fetch("/audio/call/" + id + ".wav").then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.blob();
    }).then(function (blob) {
      var audio = new Audio(URL.createObjectURL(blob));
      audio.onended = audio.onerror = function () { playing = false; playNext(); };
      return audio.play();
    }).catch(function () {
      // Autoplay refused (no click yet on this TV) or no audio: show the button, go on.
      var button = document.getElementById("sound");
      if (button) { button.hidden = false; }
      playing = false;
      playNext();
    });
  }

  function onBoard() {
    var ids = callIds();
    if (heard === null) { heard = new Set(ids); return; }
    var fresh = ids.filter(function (id) { return !heard.has(id); });
    fresh.forEach(function (id) { heard.add(id); });
    if (fresh.length === 0) { return; }
    var now = document.querySelector(".now-call");
    if (now) { now.classList.add("fresh"); }
    if (voice) { queue = queue.concat(fresh); playNext(); }
  }

  function status(text, state) {
    var element = document.getElementById("connection");
    element.textContent = text;
    element.className = "connection " + state;
  }

  document.addEventListener("DOMContentLoaded", function () {
    onBoard();
    var sound = document.getElementById("sound");
    if (sound) { sound.addEventListener("click", function () { sound.hidden = true; playNext(); }); }
  });
  document.body.addEventListener("htmx:sseOpen", function () { status("Trực tiếp · Live", "live"); });
  document.body.addEventListener("htmx:sseError", function () {
    status("Mất kết nối, đang thử lại… · Reconnecting…", "lost");
  });
  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "board") { onBoard(); }
  });
})();
