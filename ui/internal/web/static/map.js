// intops estate map: draws the systems and integrations of the page's
// JSON block (#map-data) with cytoscape. A click on a system opens its
// change impact (/map?system=ID); the table below the map lists the same
// data for readers without JavaScript.
(function () {
  "use strict";

  function css(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function draw() {
    var el = document.getElementById("map");
    var src = document.getElementById("map-data");
    if (!el || !src || typeof cytoscape === "undefined") {
      return;
    }
    // cytoscape injects a <style> (position: relative on its container)
    // unless an element with this id exists; the CSP would block it, so
    // intops.css carries the rule and this placeholder stands in for it.
    if (!document.getElementById("__________cytoscape_stylesheet")) {
      var ph = document.createElement("meta");
      ph.id = "__________cytoscape_stylesheet";
      document.head.appendChild(ph);
    }
    var d = JSON.parse(src.textContent);
    var elements = [];
    d.nodes.forEach(function (n) {
      if (n.degree === 0 && n.id !== d.selected) {
        return; // systems without integrations stay in the table only
      }
      elements.push({ group: "nodes", data: n, classes: n.hub ? "hub" : "" });
    });
    d.edges.forEach(function (e) {
      elements.push({ group: "edges", data: e, classes: "h-" + e.health });
    });
    var maxDeg = Math.max(1, d.max_degree), maxVol = Math.max(1, d.max_volume);
    var fg = css("--fg"), muted = css("--muted"), line = css("--line");
    var cy = cytoscape({
      container: el,
      elements: elements,
      minZoom: 0.2,
      maxZoom: 3,
      wheelSensitivity: 0.3,
      style: [
        { selector: "node", style: {
          "label": "data(label)", "color": fg, "font-size": 12, "min-zoomed-font-size": 6, "text-valign": "bottom", "text-margin-y": 3,
          "background-color": css("--link"), "border-width": 1, "border-color": line,
          "width": "mapData(degree, 0, " + maxDeg + ", 12, 56)", "height": "mapData(degree, 0, " + maxDeg + ", 12, 56)"
        } },
        { selector: "node.hub", style: { "border-width": 4, "border-color": css("--focus"), "font-weight": "bold" } },
        { selector: "node:selected, node.selected", style: { "border-width": 5, "border-color": css("--page") } },
        { selector: "edge", style: {
          "curve-style": "bezier", "target-arrow-shape": "triangle", "arrow-scale": 0.8, "opacity": 0.75,
          "width": "mapData(volume, 0, " + maxVol + ", 1, 8)", "line-color": muted, "target-arrow-color": muted
        } },
        { selector: "edge.h-ok", style: { "line-color": css("--ok"), "target-arrow-color": css("--ok") } },
        { selector: "edge.h-no_data", style: { "line-color": css("--nodata"), "target-arrow-color": css("--nodata"), "line-style": "dashed" } },
        { selector: "edge.h-ticket", style: { "line-color": css("--ticket"), "target-arrow-color": css("--ticket") } },
        { selector: "edge.h-page", style: { "line-color": css("--page"), "target-arrow-color": css("--page"), "opacity": 1 } },
        { selector: ".faded", style: { "opacity": 0.12 } }
      ],
      layout: { name: "cose", animate: false, randomize: false, nodeDimensionsIncludeLabels: true,
        nodeRepulsion: function () { return 60000; }, idealEdgeLength: function () { return 60; },
        gravity: 0.4, numIter: 1500, padding: 10 }
    });
    if (d.selected) {
      var sel = cy.getElementById(d.selected);
      if (sel.nonempty()) {
        sel.addClass("selected");
        cy.elements().not(sel.closedNeighborhood()).addClass("faded");
      }
    }
    cy.on("tap", "node", function (ev) {
      window.location.assign("/map?system=" + encodeURIComponent(ev.target.id()));
    });
    cy.on("mouseover", "node, edge", function () { el.classList.add("pointing"); });
    cy.on("mouseout", "node, edge", function () { el.classList.remove("pointing"); });
    window.intopsMap = cy;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
