// Shade the matrix cells by their value (the column of one measure, darker = more).
(function () {
  "use strict";
  var table = document.getElementById("matrix");
  if (!table) return;
  var cells = table.querySelectorAll("td[data-value]");
  var max = 0;
  Array.prototype.forEach.call(cells, function (c) { max = Math.max(max, parseFloat(c.getAttribute("data-value")) || 0); });
  Array.prototype.forEach.call(cells, function (c) {
    var v = parseFloat(c.getAttribute("data-value")) || 0;
    c.style.background = max > 0 ? "rgba(49,130,189," + (0.08 + 0.6 * v / max).toFixed(2) + ")" : "";
  });
})();
