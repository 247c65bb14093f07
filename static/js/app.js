// The registry's only script besides htmx: small behaviours that need no inline code, so the
// Content-Security-Policy can forbid inline script.
(function () {
  "use strict";

  // htmx leaves the page as it was when a request fails; say so instead of doing nothing.
  document.body.addEventListener("htmx:responseError", function (event) {
    var box = document.getElementById("request-error");
    var status = event.detail.xhr.status;
    box.textContent = status === 403
      ? "You are not allowed to do that. Reload the page to see what you can do."
      : "That did not work (error " + status + "). Reload the page and try again.";
    box.hidden = false;
  });
  document.body.addEventListener("htmx:sendError", function () {
    var box = document.getElementById("request-error");
    box.textContent = "The registry could not be reached. Check your connection and try again.";
    box.hidden = false;
  });

  // A field validated on focusout drops its pending check when the person comes back to it, so a
  // late answer never replaces what they are typing.
  document.body.addEventListener("focusin", function (event) {
    var field = event.target.closest && event.target.closest("[data-abort-on-focus]");
    if (field && window.htmx) { window.htmx.trigger(field, "htmx:abort"); }
  });

  // A panel marked data-refresh-unless-source="status" refreshes (its hx-trigger is
  // usecaseChangedElsewhere) on every usecaseChanged but the one its own change sent: htmx's
  // event filters (usecaseChanged[detail.source!='status']) would need eval, which the CSP forbids.
  document.body.addEventListener("usecaseChanged", function (event) {
    var source = event.detail && event.detail.source;
    if (!window.htmx) { return; }
    document.querySelectorAll("[data-refresh-unless-source]").forEach(function (panel) {
      if (panel.getAttribute("data-refresh-unless-source") !== source) {
        window.htmx.trigger(panel, "usecaseChangedElsewhere");
      }
    });
  });
})();
