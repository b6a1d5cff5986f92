// The map of Yunnan by prefecture: SVG paths drawn from the app's own GeoJSON (no tiles, no
// network beyond this app), coloured by one measure of one industry or of all, each clickable.
(function () {
  "use strict";
  var svg = document.getElementById("yunnan-map");
  if (!svg) return;
  var matrix = JSON.parse(document.getElementById("map-matrix").textContent);
  var industrySelect = document.getElementById("map-industry");
  var measureSelect = document.getElementById("map-measure");
  var legend = document.getElementById("map-legend");
  var NS = "http://www.w3.org/2000/svg";
  var SHADES = ["#eef3f7", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];
  var WIDTH = 800, HEIGHT = 700, PAD = 16;

  function value(prefecture, industry, measure) {
    var rows = industry ? matrix.industries.filter(function (r) { return r.id === industry; }) : matrix.industries;
    var values = rows.map(function (r) { return r.cells[prefecture] ? r.cells[prefecture][measure] : 0; });
    var total = values.reduce(function (a, b) { return a + b; }, 0);
    if (measure === "completeness" && values.length) return Math.round(total / values.length * 10) / 10;
    return total;
  }

  function rings(geometry) {
    return geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
  }

  function draw(geo) {
    var minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    geo.features.forEach(function (f) {
      rings(f.geometry).forEach(function (poly) { poly.forEach(function (ring) { ring.forEach(function (p) {
        minX = Math.min(minX, p[0]); maxX = Math.max(maxX, p[0]); minY = Math.min(minY, p[1]); maxY = Math.max(maxY, p[1]);
      }); }); });
    });
    var kx = Math.cos((minY + maxY) / 2 * Math.PI / 180);  // equirectangular, true at mid-latitude
    var scale = Math.min((WIDTH - 2 * PAD) / ((maxX - minX) * kx), (HEIGHT - 2 * PAD) / (maxY - minY));
    function project(p) { return [PAD + (p[0] - minX) * kx * scale, PAD + (maxY - p[1]) * scale]; }
    geo.features.forEach(function (f) {
      var d = "", sx = 0, sy = 0, n = 0, largest = null;
      rings(f.geometry).forEach(function (poly) { poly.forEach(function (ring) {
        ring.forEach(function (p, i) {
          var q = project(p);
          d += (i ? "L" : "M") + q[0].toFixed(1) + "," + q[1].toFixed(1);
        });
        d += "Z";
        if (!largest || ring.length > largest.length) largest = ring;
      }); });
      largest.forEach(function (p) { var q = project(p); sx += q[0]; sy += q[1]; n += 1; });  // label on the main part
      var link = document.createElementNS(NS, "a");
      link.setAttribute("href", "/prefectures/" + f.id);
      link.setAttribute("class", "prefecture");
      link.setAttribute("data-prefecture", f.id);
      var path = document.createElementNS(NS, "path");
      path.setAttribute("d", d);
      var title = document.createElementNS(NS, "title");
      path.appendChild(title);
      link.appendChild(path);
      var label = document.createElementNS(NS, "text");
      label.setAttribute("x", (sx / n).toFixed(1));
      label.setAttribute("y", (sy / n).toFixed(1));
      label.setAttribute("text-anchor", "middle");
      label.textContent = f.properties.name.replace(/(哈尼族彝族|壮族苗族|傣族景颇族|傈僳族|彝族|白族|傣族|藏族)自治州$/, "");
      link.appendChild(label);
      svg.appendChild(link);
    });
    svg.setAttribute("data-drawn", String(geo.features.length));
    colour();
  }

  function colour() {
    var industry = industrySelect.value, measure = measureSelect.value;
    var spec = matrix.measures.filter(function (m) { return m.key === measure; })[0];
    var values = {}, max = 0;
    matrix.prefectures.forEach(function (p) { values[p.id] = value(p.id, industry, measure); max = Math.max(max, values[p.id]); });
    Array.prototype.forEach.call(svg.querySelectorAll("a.prefecture"), function (a) {
      var id = a.getAttribute("data-prefecture"), v = values[id] || 0;
      var shade = max > 0 ? SHADES[Math.min(SHADES.length - 1, Math.floor(v / max * (SHADES.length - 1) + 0.5))] : SHADES[0];
      var path = a.querySelector("path");
      path.setAttribute("fill", shade);
      path.setAttribute("data-value", String(v));
      var place = matrix.prefectures.filter(function (p) { return p.id === id; })[0];
      path.querySelector("title").textContent = (place ? place.name : id) + "：" + spec.name + " " + v + spec.unit;
    });
    legend.innerHTML = "";
    var caption = document.createElement("div");
    caption.textContent = spec.name + "（" + spec.unit + "）";
    legend.appendChild(caption);
    SHADES.forEach(function (shade, i) {
      var row = document.createElement("div");
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = shade;
      row.appendChild(swatch);
      row.appendChild(document.createTextNode(" " + (max * i / (SHADES.length - 1)).toFixed(measure === "completeness" ? 1 : 0)));
      legend.appendChild(row);
    });
  }

  industrySelect.addEventListener("change", colour);
  measureSelect.addEventListener("change", colour);
  fetch("/static/yunnan.geojson").then(function (r) { return r.json(); }).then(draw).catch(function (e) {
    svg.setAttribute("data-error", String(e));
  });
})();
