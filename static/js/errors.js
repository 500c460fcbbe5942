// The error pages' "Go back": back in the browser's history when there is one
// (the link itself goes to the referring page, or the start page, without it).
(function () {
  "use strict";
  if (window.history.length < 2) return;
  document.querySelectorAll("a[data-go-back]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      window.history.back();
    });
  });
})();
