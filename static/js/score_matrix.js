// The evaluator's matrix: the weighted total of each bid follows the boxes as
// they are typed in. The server computes the same totals on every page, so the
// page works without this script; the stored totals are always the server's.
(function () {
  "use strict";
  var form = document.querySelector("form[data-score-matrix]");
  if (!form) return;

  function rowTotal(row) {
    // Whole hundredths, as the server rounds them (half up).
    var hundredths = Math.round(parseFloat(row.getAttribute("data-price-points") || "0") * 100);
    var cells = row.querySelectorAll("td[data-weight]");
    for (var i = 0; i < cells.length; i++) {
      var box = cells[i].querySelector("input");
      var value = box ? box.value.trim() : "";
      if (!/^\d+$/.test(value)) continue;
      var score = parseInt(value, 10);
      if (score > 100) continue;
      hundredths += score * parseInt(cells[i].getAttribute("data-weight"), 10);
    }
    return (hundredths / 100).toFixed(2);
  }

  function update(row) {
    var output = row.querySelector("output[data-total]");
    if (output) output.textContent = rowTotal(row);
  }

  form.addEventListener("input", function (event) {
    var row = event.target.closest("tr[data-score-row]");
    if (row) update(row);
  });
})();
