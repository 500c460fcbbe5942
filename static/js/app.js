// The app's own script, loaded with defer after htmx. Every page works without
// it: forms post and redirect as usual; htmx only saves a page load.
(function () {
  "use strict";
  // Django's CSRF token for htmx requests, as a header on every hx-* request
  // (forms also carry it in their body). Read from the <meta> the page renders,
  // so that no inline script is needed under the Content Security Policy.
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta && document.body) {
    document.body.setAttribute(
      "hx-headers",
      JSON.stringify({ "X-CSRFToken": meta.getAttribute("content") })
    );
  }
  // After an inline swap, move keyboard focus to the region that changed so
  // that screen-reader and keyboard users are not left on a removed element.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    // An outerHTML swap replaces the target: find its successor by id.
    if (target && !document.body.contains(target) && target.id) {
      target = document.getElementById(target.id);
    }
    if (target && target.getAttribute("data-focus-after-swap") !== null) {
      if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.focus();
    }
  });
})();
