// The Settings area: reorder the form builder's fields by dragging (the up and down
// buttons do the same from the keyboard), and keep the focus on a move button after the
// list is redrawn; in the field form, show only the inputs the chosen type uses.
(function () {
  "use strict";
  var dragged = null;

  document.addEventListener("dragstart", function (event) {
    var row = event.target.closest && event.target.closest("[data-sortable] > li");
    if (!row) return;
    dragged = row;
    row.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", row.dataset.field || "");
  });

  document.addEventListener("dragover", function (event) {
    if (!dragged) return;
    var row = event.target.closest && event.target.closest("[data-sortable] > li");
    if (!row || row === dragged || row.parentNode !== dragged.parentNode) return;
    event.preventDefault();
    var box = row.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    row.parentNode.insertBefore(dragged, after ? row.nextSibling : row);
  });

  document.addEventListener("drop", function (event) {
    if (dragged) event.preventDefault();
  });

  document.addEventListener("dragend", function () {
    if (!dragged) return;
    var form = dragged.closest("form");
    dragged.classList.remove("dragging");
    dragged = null;
    if (form && window.htmx) window.htmx.trigger(form, "reorder");
  });

  var focusKey = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    // only a move button's request sets it: the preview's reload must not clear it
    var source = event.detail && event.detail.elt;
    if (source && source.dataset && source.dataset.focusKey) focusKey = source.dataset.focusKey;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!focusKey || !event.detail || !event.detail.elt || event.detail.elt.id !== "field-list") return;
    var button = document.querySelector('[data-focus-key="' + focusKey + '"]');
    if (button && button.disabled) {
      var other = focusKey.endsWith("-up") ? focusKey.replace(/-up$/, "-down") : focusKey.replace(/-down$/, "-up");
      button = document.querySelector('[data-focus-key="' + other + '"]');
    }
    if (button) button.focus();
    focusKey = null;
  });

  // An input with data-applies-to="text number" is used only by those field types: for
  // another type it is hidden and disabled (so not sent); a group left empty hides too.
  // Without JavaScript every input shows and the server ignores what the type does not use.
  function showForType(form) {
    var type = form.querySelector("select[name=field_type]");
    if (!type) return;
    form.querySelectorAll("[data-applies-to]").forEach(function (input) {
      var used = input.getAttribute("data-applies-to").split(" ").indexOf(type.value) !== -1;
      var box = input.closest(".field") || input;
      box.hidden = !used;
      input.disabled = !used;
    });
    form.querySelectorAll("fieldset, details").forEach(function (group) {
      var boxes = group.querySelectorAll(".field");
      if (!boxes.length) return;
      var shown = Array.prototype.some.call(boxes, function (box) { return !box.hidden; });
      group.hidden = !shown;
    });
  }
  function showAllForType() {
    document.querySelectorAll("form[data-field-form]").forEach(showForType);
  }
  document.addEventListener("change", function (event) {
    if (event.target.name === "field_type" && event.target.form && event.target.form.hasAttribute("data-field-form")) {
      showForType(event.target.form);
    }
  });
  document.addEventListener("DOMContentLoaded", showAllForType);
  if (document.readyState !== "loading") showAllForType();
})();
