/* Draws the chain map from the JSON in #chain-map-data with vis-network: chain nodes fixed in
   columns (upstream left, downstream right), enterprises added on demand (#toggle-firms).
   In the app a click opens the node's or the firm's page; in a standalone file (empty
   data-link-base) it shows the hover text below the map instead. */
(function () {
  "use strict";
  var container = document.getElementById("chain-map");
  var source = document.getElementById("chain-map-data");
  if (!container || !source || typeof vis === "undefined") return;
  var data = JSON.parse(source.textContent);
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);
  var base = container.getAttribute("data-link-base");
  var industry = container.getAttribute("data-industry");
  var details = document.getElementById("map-details");
  window.chainMap = { network: network, nodes: nodes, edges: edges, data: data };

  network.once("afterDrawing", function () {
    network.fit({ animation: false });
    container.setAttribute("data-rendered", String(nodes.length));
  });
  network.on("hoverNode", function () { container.style.cursor = "pointer"; });
  network.on("blurNode", function () { container.style.cursor = "default"; });
  network.on("click", function (params) {
    if (!params.nodes.length) return;
    var node = nodes.get(params.nodes[0]);
    if (base) {
      if (node.kind === "enterprise") {
        window.location.href = base + "enterprises/" + encodeURIComponent(node.enterprise);
      } else {
        window.location.href = base + "nodes/" + encodeURIComponent(node.id) + "?industry=" + encodeURIComponent(industry);
      }
    } else if (details) {
      details.hidden = false;
      details.textContent = node.title || node.label;
    }
  });
  var toggle = document.getElementById("toggle-firms");
  if (toggle) {
    toggle.checked = false;
    toggle.addEventListener("change", function () {
      if (toggle.checked) {
        nodes.add(data.enterprise_nodes);
        edges.add(data.enterprise_edges);
      } else {
        edges.remove(data.enterprise_edges.map(function (e) { return e.id; }));
        nodes.remove(data.enterprise_nodes.map(function (n) { return n.id; }));
      }
      network.fit({ animation: false });
    });
  }
})();
