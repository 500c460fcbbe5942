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

// Lists: "Select all on this page" ticks every row's box of the list's bulk
// form (the boxes belong to it through their form attribute) and shows
// whether all, some or none are ticked. Without this script the box stays
// hidden and each row is ticked by itself; the form posts the same either way.
(function () {
  "use strict";
  var SELECT_ALL = "input[data-select-all]";

  function rowBoxes(select) {
    var form = select.form;
    var boxes = document.querySelectorAll('input[type="checkbox"][name="id"]');
    var mine = [];
    for (var i = 0; i < boxes.length; i++) {
      if (form && boxes[i].form === form && !boxes[i].disabled) mine.push(boxes[i]);
    }
    return mine;
  }

  function reflect(select) {
    var boxes = rowBoxes(select);
    var ticked = 0;
    for (var i = 0; i < boxes.length; i++) if (boxes[i].checked) ticked++;
    select.checked = boxes.length > 0 && ticked === boxes.length;
    select.indeterminate = ticked > 0 && ticked < boxes.length;
  }

  function setUp() {
    var selects = document.querySelectorAll(SELECT_ALL);
    for (var i = 0; i < selects.length; i++) {
      var label = selects[i].closest("label") || selects[i];
      label.hidden = rowBoxes(selects[i]).length === 0;
      reflect(selects[i]);
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches(SELECT_ALL)) {
      var boxes = rowBoxes(target);
      for (var i = 0; i < boxes.length; i++) boxes[i].checked = target.checked;
      target.indeterminate = false;
    } else if (target.type === "checkbox" && target.name === "id" && target.form) {
      var select = target.form.querySelector(SELECT_ALL);
      if (select) reflect(select);
    }
  });
  setUp();
  document.addEventListener("htmx:afterSettle", setUp);
})();

// A page that comes back with errors: move focus to the summary of them at the
// top of the form, so that it is read out and a keyboard user starts there.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
