// The unit picker's keyboard and mouse (office/web/templates/_unit_picker.html). Without
// this file the picker still works: the form is sent and the server offers the matches.
// Down arrow in the box goes to the choices (radio buttons: the arrows move among them);
// Enter on a choice sends the form; Escape goes back to the box. Choosing puts the unit's
// name in the box, and a filter's picker (data-submit-on-choose) sends its form when a
// choice is clicked.
(function () {
  "use strict";
  function pickerOf(element) { return element.closest("[data-unit-picker]"); }
  function radios(picker) { return Array.from(picker.querySelectorAll("input[type=radio]")); }
  function box(picker) { return picker.querySelector("input[name=unit_q]"); }
  function send(picker) {
    var form = picker.closest("form");
    if (form) { form.requestSubmit(); }
  }
  var pointer = false;
  document.addEventListener("pointerdown", function (event) {
    pointer = Boolean(event.target.closest && event.target.closest(".unit-choices"));
  }, true);
  document.addEventListener("keydown", function (event) {
    var picker = event.target.closest && pickerOf(event.target);
    if (!picker) { return; }
    pointer = false;
    if (event.target === box(picker) && event.key === "ArrowDown") {
      var all = radios(picker);
      var first = all.find(function (r) { return r.checked && r.value; }) ||
        all.find(function (r) { return r.value; }) || all[0];
      if (first) { event.preventDefault(); first.focus(); }
    } else if (event.target.type === "radio" && event.key === "Enter") {
      event.preventDefault();
      event.target.checked = true;
      event.target.dispatchEvent(new Event("change", { bubbles: true }));
      send(picker);
    } else if (event.target.type === "radio" && event.key === "Escape") {
      box(picker).focus();
    }
  });
  document.addEventListener("change", function (event) {
    if (event.target.type !== "radio" || event.target.name !== "unit") { return; }
    var picker = pickerOf(event.target);
    if (!picker) { return; }
    box(picker).value = event.target.value ? event.target.parentElement.textContent.trim() : "";
    if (pointer && picker.hasAttribute("data-submit-on-choose")) { send(picker); }
  });
})();
