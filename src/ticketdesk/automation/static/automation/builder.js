// Rule and macro builders: suggest known values for the chosen field, and show the time
// settings only for time-based rules. Works without it; this only helps typing.
(function () {
  "use strict";
  function bindCondition(row) {
    var field = row.querySelector("select[name$='-field']");
    var value = row.querySelector("[data-condition-value]");
    if (!field || !value) return;
    function update() {
      var key = field.value.indexOf("custom_fields.") === 0 ? "" : field.value;
      if (key && document.getElementById("values-" + key)) value.setAttribute("list", "values-" + key);
      else value.removeAttribute("list");
    }
    field.addEventListener("change", update);
    update();
  }
  function bindStep(row) {
    var type = row.querySelector("select[name$='-type']");
    var target = row.querySelector("input[name$='-target']");
    var value = row.querySelector("[data-value-input]");
    if (!type || !value) return;
    function update() {
      var list = "";
      if (type.value === "assign") list = "values-agents";
      else if (type.value === "set_field" && target && target.value) list = "values-" + target.value;
      if (list && document.getElementById(list)) value.setAttribute("list", list);
      else value.removeAttribute("list");
    }
    type.addEventListener("change", update);
    if (target) target.addEventListener("change", update);
    update();
  }
  function bindTrigger() {
    var trigger = document.querySelector("select[name='trigger']");
    var block = document.querySelector("[data-show-for-trigger]");
    if (!trigger || !block) return;
    function update() { block.hidden = trigger.value !== block.getAttribute("data-show-for-trigger"); }
    trigger.addEventListener("change", update);
    update();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".condition-row").forEach(bindCondition);
    document.querySelectorAll(".step-row").forEach(bindStep);
    bindTrigger();
  });
})();
