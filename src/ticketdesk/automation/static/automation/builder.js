// Rule and macro builders. The server draws every row with its pickers (htmx redraws a row
// when its field, operator or action changes, adds rows and removes them); this script only
// numbers the new rows, moves actions up and down, inserts placeholders into texts, shows the
// time settings for time-based rules and keeps the autocomplete lists of free-text values.
(function () {
  "use strict";
  function bindCondition(row) {
    var field = row.querySelector("select[name$='-field']");
    var value = row.querySelector("[data-condition-value]");
    if (!field || !value) return;
    var key = field.value.indexOf("custom_fields.") === 0 ? "" : field.value;
    if (key && document.getElementById("values-" + key)) value.setAttribute("list", "values-" + key);
    else value.removeAttribute("list");
  }
  function bindStep(row) {
    var type = row.querySelector("select[name$='-type']");
    var value = row.querySelector("[data-value-input]");
    if (!type || !value) return;
    if (type.value === "add_tag" || type.value === "remove_tag") value.removeAttribute("list");
  }
  function bindTrigger() {
    var trigger = document.querySelector("select[name='trigger']");
    var block = document.querySelector("[data-show-for-trigger]");
    if (!trigger || !block) return;
    function update() { block.hidden = trigger.value !== block.getAttribute("data-show-for-trigger"); }
    trigger.addEventListener("change", update);
    update();
  }
  function total(base) { return document.getElementById("id_" + base + "-TOTAL_FORMS"); }
  function renumber(tbody) {
    var n = 0;
    tbody.querySelectorAll("tr").forEach(function (row) {
      var order = row.querySelector("[data-order]");
      if (order && !row.hidden) { n += 1; order.value = n; }
    });
  }
  function visibleSibling(row, forward) {
    var next = forward ? row.nextElementSibling : row.previousElementSibling;
    while (next && next.hidden) next = forward ? next.nextElementSibling : next.previousElementSibling;
    return next;
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-move]");
    if (!button) return;
    var row = button.closest("tr");
    var down = button.getAttribute("data-move") === "down";
    var other = visibleSibling(row, down);
    if (!other) return;
    if (down) other.after(row); else other.before(row);
    renumber(row.parentElement);
    button.focus();
  });
  document.addEventListener("change", function (event) {
    var picker = event.target.closest("[data-insert-placeholder]");
    if (!picker || !picker.value) return;
    var text = document.getElementById(picker.getAttribute("data-insert-placeholder"));
    if (text) {
      var start = text.selectionStart || text.value.length, end = text.selectionEnd || start;
      text.value = text.value.slice(0, start) + picker.value + text.value.slice(end);
      text.focus();
      text.selectionStart = text.selectionEnd = start + picker.value.length;
    }
    picker.value = "";
  });
  // a new row takes the next index at once (a request that fails leaves an empty index,
  // which the formset ignores)
  document.addEventListener("htmx:configRequest", function (event) {
    var button = event.detail.elt;
    var base = button.getAttribute && button.getAttribute("data-add-row");
    var count = base && total(base);
    if (!count) return;
    event.detail.parameters.prefix = base + "-" + count.value;
    count.value = parseInt(count.value, 10) + 1;
    var max = document.getElementById("id_" + base + "-MAX_NUM_FORMS");
    if (max && parseInt(count.value, 10) >= parseInt(max.value, 10)) button.disabled = true;
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.matches || !target.matches("#step-rows, #cond-rows")) return;
    var rows = event.detail.target.querySelectorAll("tr");
    var added = rows[rows.length - 1];
    renumber(target);
    var first = added && added.querySelector("select, input:not([type=hidden]), textarea");
    if (first) first.focus();
  });
  document.addEventListener("submit", function (event) {
    event.target.querySelectorAll("tbody").forEach(renumber);
  });
  function bindAll(root) {
    root.querySelectorAll(".condition-row").forEach(bindCondition);
    root.querySelectorAll(".step-row").forEach(bindStep);
    if (root.matches && root.matches(".condition-row")) bindCondition(root);
    if (root.matches && root.matches(".step-row")) bindStep(root);
  }
  document.addEventListener("htmx:load", function (event) { bindAll(event.detail.elt); });
  document.addEventListener("DOMContentLoaded", function () {
    bindAll(document);
    bindTrigger();
  });
})();
