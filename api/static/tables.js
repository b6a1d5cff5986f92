/* Sortable, filterable, paginated tables: any <table class="data-table">. Click a header to sort
   (numbers as numbers; a cell's data-sort wins), type in an <input class="table-filter"
   data-table="ID"> to filter rows, and long tables (data-page-size, default 25) show a pager. */
(function () {
  "use strict";
  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    return cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
  }
  function setup(table) {
    var body = table.tBodies[0];
    if (!body) return;
    var size = parseInt(table.getAttribute("data-page-size") || "25", 10);
    var state = { page: 0, filter: "" };
    var pager = document.createElement("div");
    pager.className = "table-pager";
    table.parentNode.insertBefore(pager, table.nextSibling);

    function visibleRows() {
      return Array.prototype.filter.call(body.rows, function (row) {
        return !state.filter || row.textContent.toLowerCase().indexOf(state.filter) !== -1;
      });
    }
    function draw() {
      var rows = visibleRows();
      var pages = Math.max(1, Math.ceil(rows.length / size));
      if (state.page >= pages) state.page = pages - 1;
      Array.prototype.forEach.call(body.rows, function (row) { row.hidden = true; });
      rows.forEach(function (row, i) { row.hidden = Math.floor(i / size) !== state.page; });
      pager.innerHTML = "";
      if (pages <= 1) return;
      var prev = document.createElement("button");
      prev.type = "button"; prev.textContent = "‹"; prev.disabled = state.page === 0;
      prev.onclick = function () { state.page -= 1; draw(); };
      var next = document.createElement("button");
      next.type = "button"; next.textContent = "›"; next.disabled = state.page >= pages - 1;
      next.onclick = function () { state.page += 1; draw(); };
      var label = document.createElement("span");
      label.textContent = (state.page + 1) + " / " + pages + " (" + rows.length + ")";
      pager.appendChild(prev); pager.appendChild(label); pager.appendChild(next);
    }
    Array.prototype.forEach.call(table.tHead ? table.tHead.rows[0].cells : [], function (th, index) {
      th.addEventListener("click", function () {
        var numeric = th.getAttribute("data-type") === "num";
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(th.parentNode.cells, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index), result;
          var nx = parseFloat(x), ny = parseFloat(y);
          if ((numeric || th.hasAttribute("data-sort")) || (!isNaN(nx) && !isNaN(ny) && String(nx) === x.replace(/,/g, ""))) {
            result = (isNaN(nx) ? -Infinity : nx) - (isNaN(ny) ? -Infinity : ny);
          } else {
            result = x.localeCompare(y, "zh-Hans-CN");
          }
          return ascending ? result : -result;
        });
        rows.forEach(function (row) { body.appendChild(row); });
        state.page = 0;
        draw();
      });
    });
    table._redraw = function (filter) { state.filter = filter; state.page = 0; draw(); };
    draw();
  }
  document.querySelectorAll("table.data-table").forEach(setup);
  document.querySelectorAll("input.table-filter").forEach(function (input) {
    var table = document.getElementById(input.getAttribute("data-table"));
    if (!table || !table._redraw) return;
    input.addEventListener("input", function () { table._redraw(input.value.trim().toLowerCase()); });
  });
})();
