// The investor search of the project form: Enter runs the search (htmx) instead of submitting the form.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || !input.matches || !input.matches("[data-search-only]")) return;
    event.preventDefault();
    if (window.htmx) window.htmx.trigger(input, "search");
  });
})();
