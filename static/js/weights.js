// A tender's award criteria: "Total: 95 of 100" under the weights, kept up to
// date as they are typed. The weight boxes carry data-weight; the last one
// carries the sentence (already translated) with {total} to fill in. Without
// this script the form still says, on submission, what the weights add up to.
(function () {
  "use strict";

  function setUp(form) {
    var boxes = form.querySelectorAll("input[data-weight]");
    var last = form.querySelector("input[data-weights-total]");
    if (!boxes.length || !last) return;
    var sentence = last.getAttribute("data-weights-total");
    var target = parseInt(last.getAttribute("data-weights-target"), 10);
    var output = document.createElement("p");
    output.className = "weights-total help";
    output.id = "weights-total";
    output.setAttribute("role", "status");
    output.setAttribute("aria-live", "polite");
    var field = last.closest(".field") || last.parentNode;
    field.parentNode.insertBefore(output, field.nextSibling);

    function update() {
      var total = 0;
      for (var i = 0; i < boxes.length; i++) {
        var value = parseInt(boxes[i].value, 10);
        if (!isNaN(value)) total += value;
      }
      output.textContent = sentence.replace("{total}", String(total));
      output.classList.toggle("off", total !== target);
    }

    for (var i = 0; i < boxes.length; i++) {
      boxes[i].addEventListener("input", update);
    }
    update();
  }

  var forms = document.querySelectorAll("form");
  for (var i = 0; i < forms.length; i++) setUp(forms[i]);
})();
