// Keyboard shortcuts of the counter console: one key per big button (shown on it).
// Keys typed into a field are the field's, not shortcuts.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey) { return; }
    var target = event.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "SELECT" ||
                   target.tagName === "TEXTAREA")) { return; }
    var key = event.key.toLowerCase();
    if (key === "g") { event.preventDefault(); document.getElementById("call-number").focus(); return; }
    if (key === "t") { event.preventDefault(); document.getElementById("transfer-target").focus(); return; }
    var button = document.querySelector('#panel button[data-key="' + key + '"]');
    if (button && !button.disabled) {
      event.preventDefault();
      // Straight to htmx: a key pressed right after a swap, before htmx has wired the
      // new buttons, still counts.
      htmx.ajax("POST", button.getAttribute("hx-post"),
                {source: button, target: "#panel", swap: "outerHTML"});
    }
  });
})();
