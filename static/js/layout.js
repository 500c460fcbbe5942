// Small screens. Every page works without this script: the menu then stays
// open, and a table wider than the screen still scrolls inside its own box.
(function () {
  "use strict";

  // The menu: one button shows and hides it. The stylesheet folds the menu
  // away only once the button has its aria-expanded, set here.
  var toggle = document.querySelector(".menu-toggle[aria-controls]");
  var menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  function setOpen(open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }
  if (menu) {
    setOpen(false);
    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });
    // Escape closes the open menu and goes back to its button (where the menu
    // folds at all: on a wide screen the button is not shown).
    document.addEventListener("keydown", function (event) {
      var folds = window.getComputedStyle(toggle).display !== "none";
      if (event.key === "Escape" && folds && toggle.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        toggle.focus();
      }
    });
  }

  // A table wider than its place scrolls inside its own box: on a small
  // screen the stylesheet lets every table do so; on a wide one this marks
  // those that need it ("scrolls"), so that the others stay full tables.
  // One that scrolls takes keyboard focus, so that it can be scrolled with
  // the arrow keys even when nothing in it is a link (WCAG 2.1.1); it gives
  // the focus up again when the window grows wide enough for it.
  function contentWidth(element) {
    var style = window.getComputedStyle(element);
    return element.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  }
  function markScrollingTables() {
    var tables = document.querySelectorAll("main table");
    var i, table;
    for (i = 0; i < tables.length; i++) tables[i].classList.remove("scrolls");
    for (i = 0; i < tables.length; i++) {
      table = tables[i];
      if (table.offsetWidth > contentWidth(table.parentElement) + 1) {
        table.classList.add("scrolls");
      }
    }
    for (i = 0; i < tables.length; i++) {
      table = tables[i];
      var scrolls = table.scrollWidth > table.clientWidth + 1;
      if (scrolls && !table.hasAttribute("tabindex")) {
        table.setAttribute("tabindex", "0");
        table.setAttribute("data-scroll-focus", "");
      } else if (!scrolls && table.hasAttribute("data-scroll-focus")) {
        table.removeAttribute("tabindex");
        table.removeAttribute("data-scroll-focus");
      }
    }
  }
  var pending = null;
  function later() {
    window.clearTimeout(pending);
    pending = window.setTimeout(markScrollingTables, 100);
  }
  markScrollingTables();
  window.addEventListener("resize", later);
  document.addEventListener("htmx:afterSettle", markScrollingTables);
})();
