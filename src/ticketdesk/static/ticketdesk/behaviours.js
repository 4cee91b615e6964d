// Small behaviours every page may use, instead of inline event handlers (which the
// Content-Security-Policy forbids): <select data-autosubmit> submits its form on change,
// <button data-print> prints the page, a field with data-show-when-category shows only for
// those categories.
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
})();
