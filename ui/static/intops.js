// intops pages' script: draws the integration chart from the JSON data
// block the page carries (no inline script: the CSP allows 'self' only).
(function () {
  "use strict";

  function css(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function drawChart() {
    var el = document.getElementById("chart");
    var src = document.getElementById("chart-data");
    if (!el || !src || typeof uPlot === "undefined") {
      return;
    }
    var d = JSON.parse(src.textContent);
    var fg = css("--fg"), line = css("--line");
    var axis = { stroke: fg, grid: { stroke: line, width: 1 }, ticks: { stroke: line, width: 1 } };
    var opts = {
      width: Math.max(300, el.clientWidth),
      height: 300,
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true } },
      axes: [axis, Object.assign({}, axis, { label: "per " + (d.step >= 3600 ? "hour" : "minute") })],
      series: [
        {},
        { label: "executions", stroke: css("--exec"), width: 1.5, points: { show: false } },
        { label: "failures", stroke: css("--fail"), width: 1.5, points: { show: false } }
      ]
    };
    el.textContent = "";
    var chart = new uPlot(opts, [d.t, d.executions, d.failures], el);
    window.intopsChart = chart;
    window.addEventListener("resize", function () {
      chart.setSize({ width: Math.max(300, el.clientWidth), height: 300 });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawChart);
  } else {
    drawChart();
  }
})();
