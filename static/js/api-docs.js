// Swagger UI draws a parameter's choices as a <select> with no label; name each after its
// parameter, so a screen reader says what it chooses. Runs on every redraw (operations open and
// close), and only adds a missing name.
(function () {
  "use strict";
  function label(root) {
    root.querySelectorAll("tr[data-param-name] select:not([aria-label]), tr[data-param-name] input:not([aria-label])").forEach(function (field) {
      var row = field.closest("tr[data-param-name]");
      field.setAttribute("aria-label", row.getAttribute("data-param-name"));
    });
  }
  new MutationObserver(function () { label(document); }).observe(document.documentElement, {
    childList: true,
    subtree: true,
  });
})();
