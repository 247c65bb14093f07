// The registry's only script besides htmx: small behaviours that need no inline code, so the
// Content-Security-Policy can forbid inline script.
(function () {
  "use strict";

  // 409 is the registry's "changed since you opened it": its answer says what changed and shows
  // the use case as it is now, so htmx swaps it in like any other answer.
  if (window.htmx) {
    window.htmx.config.responseHandling = [
      { code: "409", swap: true, error: false },
    ].concat(window.htmx.config.responseHandling);
  }

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

  // A field checked inline (after the person changed it) drops its pending check when they come
  // back to it, so a late answer never replaces what they are typing.
  document.body.addEventListener("focusin", function (event) {
    var field = event.target.closest && event.target.closest("[data-abort-on-focus]");
    if (field && window.htmx) { window.htmx.trigger(field, "htmx:abort"); }
  });

  // Focus what a page, or a fragment htmx swaps in, asks for with data-focus-on-load: the error
  // summary after a refused form, the outcome of a workflow action. A screen reader reads it, and
  // Tab goes on from there instead of from the top of the page.
  function focusRequested(root) {
    var target = root.matches && root.matches("[data-focus-on-load]")
      ? root
      : root.querySelector && root.querySelector("[data-focus-on-load]");
    if (target) { target.focus(); }
  }
  focusRequested(document);
  document.body.addEventListener("htmx:load", function (event) { focusRequested(event.detail.elt); });

  // Escape closes the open user menu; focus goes back to its summary if it was inside.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
      var hadFocus = menu.contains(document.activeElement);
      menu.open = false;
      if (hadFocus) { menu.querySelector("summary").focus(); }
    });
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

  // Choosers (usecases/forms/choosers.py): a select or tick boxes holding a few options, and a
  // search box. Without JavaScript the box's text is posted and read on the server; here it only
  // asks for matches (htmx swaps them into the list), so it stops being a field of the form.
  function enhanceChoosers(root) {
    if (!root.querySelectorAll) { return; }
    var boxes = root.matches && root.matches("[data-chooser-search]") ? [root] : [];
    boxes.concat(Array.prototype.slice.call(root.querySelectorAll("[data-chooser-search]")))
      .forEach(function (box) { box.removeAttribute("name"); });
  }
  enhanceChoosers(document);
  document.body.addEventListener("htmx:load", function (event) { enhanceChoosers(event.detail.elt); });
  document.body.addEventListener("htmx:configRequest", function (event) {
    var box = event.detail.elt;
    if (box.matches && box.matches("[data-chooser-search]")) {
      event.detail.parameters.q = box.value;
    }
  });

  // Nothing reacts to a search box's own change (an inline check of the field would redraw the
  // chooser as the person leaves the box for the list).
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-chooser-search]")) {
      event.stopPropagation();
    }
  }, true);

  // In a chooser's search box: Down arrow or Enter goes to the list (Enter never submits the
  // form mid-search); Escape empties the box and brings back the first options.
  function chooserList(box) {
    var list = document.getElementById(box.getAttribute("data-chooser-search"));
    if (list && list.tagName !== "SELECT") {
      return list.querySelector("input:checked, input") || list;
    }
    return list;
  }
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-chooser-search]")) { return; }
    if (event.key === "ArrowDown" || event.key === "Enter") {
      var list = chooserList(box);
      event.preventDefault();
      if (list) { list.focus(); }
    } else if (event.key === "Escape" && box.value) {
      event.preventDefault();
      event.stopPropagation();
      box.value = "";
      if (window.htmx) { window.htmx.trigger(box, "search"); }
    }
  });
})();
