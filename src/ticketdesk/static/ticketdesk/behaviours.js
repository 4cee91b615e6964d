// Small behaviours every page may use, instead of inline event handlers (which the
// Content-Security-Policy forbids): <select data-autosubmit> submits its form on change,
// <button data-print> prints the page.
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
})();
