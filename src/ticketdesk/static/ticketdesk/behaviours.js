// Small behaviours every page may use, instead of inline event handlers (which the
// Content-Security-Policy forbids): <select data-autosubmit> submits its form on change,
// <button data-print> prints the page, a field with data-show-when-category shows only for
// those categories; the side panel names the fields a chosen status requires.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    const field = event.target.closest && event.target.closest("[data-autosubmit]");
    if (field && field.form) field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
  });
  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest("[data-print]");
    if (button) window.print();
  });

  // A custom field asked only for some categories carries data-show-when-category="ids":
  // it is hidden while the form's category is another one (the server checks the same).
  function showByCategory(form) {
    const category = form.querySelector("select[name=category]");
    const chosen = category ? category.value : "";
    form.querySelectorAll("[data-show-when-category]").forEach(function (input) {
      const wanted = input.getAttribute("data-show-when-category").split(" ");
      const box = input.closest(".field") || input;
      box.hidden = wanted.indexOf(chosen) === -1;
    });
  }
  function showAll(root) {
    (root || document).querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("[data-show-when-category]")) showByCategory(form);
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.name === "category" && event.target.form) showByCategory(event.target.form);
  });
  document.addEventListener("DOMContentLoaded", function () { showAll(); });
  document.addEventListener("htmx:afterSettle", function (event) { showAll(event.target); });

  // The side panel's status: a move that requires fields (the workflow editor's required
  // fields) names them as soon as the status is picked, and marks their inputs, so that
  // the agent fills them in the same save (the server checks the same on save).
  function showRequirements(form, picked) {
    const status = form.querySelector("select[name=status]");
    if (!status) return;
    const value = picked === undefined ? status.value : picked;
    form.querySelectorAll(".field.required-now").forEach(function (box) {
      box.classList.remove("required-now");
      box.querySelectorAll("[aria-required]").forEach(function (i) { i.removeAttribute("aria-required"); });
    });
    form.querySelectorAll("[data-requirement-for]").forEach(function (hint) {
      const chosen = hint.getAttribute("data-requirement-for") === value;
      hint.hidden = !chosen;
      if (!chosen) return;
      hint.getAttribute("data-requirement-fields").split(" ").forEach(function (name) {
        const input = name && form.querySelector("[name='" + name + "']");
        const box = input && input.closest(".field");
        if (!box) return;
        box.classList.add("required-now");
        input.setAttribute("aria-required", "true");
      });
    });
  }
  function showAllRequirements(root) {
    (root || document).querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("[data-requirement-for]")) showRequirements(form);
    });
  }
  // The composer's "and set status": the same requirement, named under the menu (the
  // fields themselves are in the side panel, marked there).
  function showComposerRequirement(select) {
    const panel = document.querySelector("[data-requirement-for]");
    const form = panel && panel.closest("form");
    let note = select.form.querySelector(".requirement-hint-composer");
    if (!note) {
      note = document.createElement("p");
      note.className = "requirement-hint requirement-hint-composer";
      note.setAttribute("role", "status");
      note.id = "send-status-requirement";
      select.setAttribute("aria-describedby", note.id);
      select.form.appendChild(note);
    }
    const hint = form && form.querySelector("[data-requirement-for='" + select.value + "']");
    note.hidden = !hint;
    note.textContent = hint ? hint.textContent : "";
    if (form) showRequirements(form, select.value || form.querySelector("select[name=status]").value);
  }
  document.addEventListener("change", function (event) {
    if (event.target.id === "send-status" && event.target.form) {
      showComposerRequirement(event.target);
    } else if (event.target.name === "status" && event.target.form) {
      showRequirements(event.target.form);
    }
  });
  document.addEventListener("DOMContentLoaded", function () { showAllRequirements(); });
  document.addEventListener("htmx:afterSettle", function (event) { showAllRequirements(event.target); });
})();
