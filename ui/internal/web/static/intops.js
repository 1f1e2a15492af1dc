// intops pages' script: draws the integration charts from the JSON data
// block the page carries (no inline script: the CSP allows 'self' only).
// window.intopsCharts holds the uPlot instances (executions, failures by
// class, latency); window.intopsChart is the first.
(function () {
  "use strict";

  // one colour per error class, in the order of intops.ErrorClasses
  var classColors = {
    transient: "#e8a33d", timeout: "#d1495b", auth: "#8e44ad", rate_limit: "#2e86de",
    validation: "#16a085", unavailable: "#c0392b", unknown: "#7f8c8d"
  };

  function css(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  // gaps are the times intops was blind ([from, to) in Unix seconds):
  // every chart shades them.
  var gaps = [];

  function shadeGaps(u) {
    if (!gaps.length) {
      return;
    }
    var ctx = u.ctx;
    ctx.save();
    ctx.fillStyle = css("--gap") || "rgba(230, 140, 30, 0.16)";
    for (var i = 0; i < gaps.length; i++) {
      var x0 = u.valToPos(gaps[i][0], "x", true), x1 = u.valToPos(gaps[i][1], "x", true);
      ctx.fillRect(x0, u.bbox.top, Math.max(1, x1 - x0), u.bbox.height);
    }
    ctx.restore();
  }

  function draw(el, label, series, data, yExtra, optsExtra) {
    var fg = css("--fg"), line = css("--line");
    var axis = { stroke: fg, grid: { stroke: line, width: 1 }, ticks: { stroke: line, width: 1 } };
    var opts = {
      width: Math.max(300, el.clientWidth),
      height: 300,
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true } },
      axes: [axis, Object.assign({}, axis, { label: label }, yExtra || {})],
      series: [{}].concat(series),
      hooks: { drawClear: [shadeGaps] }
    };
    if (optsExtra) {
      Object.assign(opts, optsExtra);
    }
    el.textContent = "";
    var chart = new uPlot(opts, data, el);
    window.addEventListener("resize", function () {
      chart.setSize({ width: Math.max(300, el.clientWidth), height: 300 });
    });
    return chart;
  }

  function line(label, stroke) {
    return { label: label, stroke: stroke, width: 1.5, points: { show: false } };
  }

  function drawCharts() {
    var el = document.getElementById("chart");
    var src = document.getElementById("chart-data");
    if (!el || !src || typeof uPlot === "undefined") {
      return;
    }
    var d = JSON.parse(src.textContent);
    gaps = d.gaps || [];
    var per = "per " + (d.step >= 3600 ? "hour" : "minute");
    var charts = [];
    var series = [line("executions", css("--exec")), line("failures", css("--fail"))];
    var data = [d.t, d.executions, d.failures];
    var extra = null;
    if (d.expected && d.expected.length === d.t.length) {
      // the anomaly baseline: expected (dashed) and the normal range as a band
      var band = css("--band") || "rgba(120,120,120,0.18)";
      series.push({ label: "expected", stroke: css("--muted") || "#888", width: 1, dash: [4, 4], points: { show: false } });
      series.push({ label: "normal low", stroke: "transparent", points: { show: false } });
      series.push({ label: "normal high", stroke: "transparent", points: { show: false } });
      data.push(d.expected, d.low, d.high);
      extra = { bands: [{ series: [5, 4], fill: band }] };
    }
    charts.push(draw(el, per, series, data, null, extra));

    var cel = document.getElementById("chart-classes");
    if (cel) {
      var classes = d.classes || [], byClass = d.by_class || [];
      var cseries = [], cdata = [d.t];
      for (var i = 0; i < classes.length; i++) {
        cseries.push(line(classes[i], classColors[classes[i]] || css("--fail")));
        cdata.push(byClass[i]);
      }
      if (cseries.length === 0) { // an empty chart keeps the time axis
        cseries.push(line("failures", css("--fail")));
        cdata.push(d.failures);
      }
      charts.push(draw(cel, "failures " + per, cseries, cdata));
    }

    var lel = document.getElementById("chart-latency");
    if (lel) {
      var ms = function (u, vals) {
        return vals.map(function (v) { return v == null ? "" : v >= 1000 ? +(v / 1000).toFixed(2) + " s" : +v.toFixed(1) + " ms"; });
      };
      var lc = draw(lel, "latency", [
        Object.assign(line("p50", css("--exec")), { spanGaps: false }),
        Object.assign(line("p95", "#e8a33d"), { spanGaps: false }),
        Object.assign(line("p99", css("--fail")), { spanGaps: false })
      ], [d.t, d.p50 || [], d.p95 || [], d.p99 || []], { values: ms, size: 70 });
      charts.push(lc);
    }
    var bel = document.getElementById("chart-budget");
    if (bel && d.budget && d.budget.length) {
      var palette = [css("--exec"), "#e8a33d", css("--fail"), "#16a085", "#8e44ad"];
      var bseries = [], bdata = [d.budget_t];
      for (var k = 0; k < d.budget.length; k++) {
        bseries.push(line(d.budget[k].slo, palette[k % palette.length]));
        bdata.push(d.budget[k].values);
      }
      charts.push(draw(bel, "budget left %", bseries, bdata));
    }
    window.intopsCharts = charts;
    window.intopsChart = charts[0];
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawCharts);
  } else {
    drawCharts();
  }
})();
