/* corpus-audit HTML report: draws the charts from the JSON block #audit-data with the inlined Chart.js.
 * Corpus text is only ever inserted with textContent, never as HTML. */
(function () {
  "use strict";
  var REAL = "#1f6fb4", SYNTH = "#d95f02";
  var data = {};
  try { data = JSON.parse(document.getElementById("audit-data").textContent || "{}"); } catch (e) { data = {}; }
  var charts = {};
  window.auditReport = { data: data, charts: charts };
  if (typeof Chart === "undefined") { return; }

  Chart.defaults.animation = false;
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
  Chart.defaults.color = "#3c4350";
  Chart.defaults.maintainAspectRatio = false;

  function hatch(color) {
    var c = document.createElement("canvas");
    c.width = 8; c.height = 8;
    var g = c.getContext("2d");
    g.fillStyle = "rgba(255,255,255,0.85)"; g.fillRect(0, 0, 8, 8);
    g.strokeStyle = color; g.lineWidth = 2.2;
    g.beginPath(); g.moveTo(-2, 10); g.lineTo(10, -2); g.moveTo(-2, 2); g.lineTo(2, -2); g.moveTo(6, 10); g.lineTo(10, 6); g.stroke();
    return g.createPattern(c, "repeat");
  }

  /* One HTML tooltip for every chart, so it can be read, copied and tested from the DOM. */
  var tip = document.getElementById("chart-tooltip");
  function externalTooltip(context) {
    var t = context.tooltip;
    if (!tip) { return; }
    if (!t || t.opacity === 0) { tip.hidden = true; return; }
    while (tip.firstChild) { tip.removeChild(tip.firstChild); }
    (t.title || []).forEach(function (line) {
      var s = document.createElement("span"); s.className = "tt-title"; s.textContent = line; tip.appendChild(s);
    });
    (t.body || []).forEach(function (b) {
      (b.lines || []).forEach(function (line) {
        var d = document.createElement("div"); d.className = "tt-line"; d.textContent = line; tip.appendChild(d);
      });
    });
    tip.hidden = false;
    var rect = context.chart.canvas.getBoundingClientRect();
    var left = rect.left + window.scrollX + t.caretX + 14, top = rect.top + window.scrollY + t.caretY + 14;
    var maxLeft = window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 8;
    tip.style.left = Math.max(window.scrollX + 4, Math.min(left, maxLeft)) + "px";
    tip.style.top = top + "px";
  }
  function baseOptions(extra) {
    var o = { responsive: true, plugins: { tooltip: { enabled: false, external: externalTooltip }, legend: { labels: { boxWidth: 18 } } } };
    return Chart.helpers.merge(o, extra || {});
  }
  function make(id, config) {
    var el = document.getElementById("chart-" + id);
    if (!el) { return null; }
    try { charts[id] = new Chart(el, config); } catch (e) { if (window.console) { console.warn("chart " + id + ": " + e); } }
    return charts[id];
  }
  function fmt(x) {
    if (x === null || x === undefined) { return "–"; }
    var a = Math.abs(x);
    return a >= 1000 ? Math.round(x).toLocaleString("en") : a >= 10 ? x.toFixed(1) : a >= 0.01 ? x.toFixed(3) : x.toPrecision(2);
  }
  function pct(x) { return x === null || x === undefined ? "–" : (100 * x).toFixed(1) + "%"; }

  /* ---- the map ---- */
  /* Topic labels: flagged clusters first (largest share change first), boxed; plain ones only where they
   * do not collide. A label that cannot be placed is left out: every flagged one is also listed under the map. */
  var clusterLabels = {
    id: "clusterLabels",
    afterDatasetsDraw: function (chart) {
      var cl = (data.map && data.map.clusters) || [];
      var ctx = chart.ctx, xs = chart.scales.x, ys = chart.scales.y, area = chart.chartArea, placed = [];
      var gap = function (c) { return Math.abs((c.synth_share || 0) - (c.real_share || 0)); };
      var order = cl.slice().sort(function (a, b) {
        var fa = a.status !== "ok", fb = b.status !== "ok";
        if (fa !== fb) { return fa ? -1 : 1; }
        return fa ? gap(b) - gap(a) : (b.real_share || 0) + (b.synth_share || 0) - (a.real_share || 0) - (a.synth_share || 0);
      });
      var free = function (r) {
        return placed.every(function (q) { return r.x2 < q.x1 || r.x1 > q.x2 || r.y2 < q.y1 || r.y1 > q.y2; });
      };
      ctx.save();
      ctx.textAlign = "center"; ctx.textBaseline = "middle";
      order.forEach(function (c) {
        var flagged = c.status && c.status !== "ok";
        var text = (flagged ? c.status.toUpperCase() + ": " : "") + (c.keywords || []).slice(0, flagged ? 3 : 2).join(" · ");
        if (!text) { return; }
        ctx.font = (flagged ? "bold 12px " : "11px ") + Chart.defaults.font.family;
        var w = ctx.measureText(text).width, x = xs.getPixelForValue(c.x), y0 = ys.getPixelForValue(c.y);
        x = Math.max(area.left + w / 2 + 4, Math.min(area.right - w / 2 - 4, x));
        var box = null, offsets = flagged ? [0, -20, 20, -40, 40] : [0];
        for (var k = 0; k < offsets.length && !box; k++) {
          var y = Math.max(area.top + 10, Math.min(area.bottom - 10, y0 + offsets[k]));
          var r = { x1: x - w / 2 - 5, x2: x + w / 2 + 5, y1: y - 10, y2: y + 10, y: y };
          if (free(r)) { box = r; }
        }
        if (!box) { return; }
        placed.push(box);
        if (flagged) {
          var lost = c.status === "dropped" || c.status === "starved";
          ctx.fillStyle = lost ? "rgba(232,240,251,0.92)" : "rgba(253,238,226,0.92)";
          ctx.fillRect(x - w / 2 - 4, box.y - 9, w + 8, 18);
          ctx.setLineDash(lost ? [4, 3] : []);
          ctx.lineWidth = lost ? 1.5 : 2; ctx.strokeStyle = "#222";
          ctx.strokeRect(x - w / 2 - 4, box.y - 9, w + 8, 18);
          ctx.setLineDash([]);
          ctx.fillStyle = "#111";
        } else {
          ctx.lineWidth = 3; ctx.strokeStyle = "rgba(255,255,255,0.9)"; ctx.strokeText(text, x, box.y);
          ctx.fillStyle = "#444";
        }
        ctx.fillText(text, x, box.y);
      });
      ctx.restore();
    }
  };
  if (data.map) {
    var clusterKw = {};
    (data.map.clusters || []).forEach(function (c) { clusterKw[c.id] = c; });
    var ds = function (key, label, color, style) {
      var m = data.map[key] || { x: [] };
      var pts = m.x.map(function (x, i) { return { x: x, y: m.y[i], i: i }; });
      return { label: label, data: pts, pointStyle: style, backgroundColor: color + "99", borderColor: color,
               borderWidth: 0.8, pointRadius: style === "triangle" ? 3.6 : 3, pointHoverRadius: 6, _key: key };
    };
    make("map", {
      type: "scatter",
      data: { datasets: [ds("real", "real", REAL, "circle"), ds("synth", "synthetic", SYNTH, "triangle")] },
      options: baseOptions({
        interaction: { mode: "nearest", intersect: true },
        scales: { x: { display: false, min: -0.03, max: 1.03 }, y: { display: false, min: -0.03, max: 1.03 } },
        plugins: {
          legend: { position: "top", labels: { usePointStyle: true } },
          tooltip: { callbacks: {
            title: function (items) {
              if (!items.length) { return ""; }
              var it = items[0], key = it.dataset._key, m = data.map[key], i = it.raw.i;
              var c = clusterKw[m.cluster[i]];
              return (key === "real" ? "● real" : "▲ synthetic") + " · " + m.id[i] +
                (c ? " · topic: " + (c.keywords || []).slice(0, 3).join(", ") + (c.status !== "ok" ? " (" + c.status + ")" : "") : "");
            },
            label: function (it) { return data.map[it.dataset._key].text[it.raw.i]; }
          } }
        }
      }),
      plugins: [clusterLabels]
    });
  }

  /* ---- histograms: real solid, synthetic hatched, as shares so that unequal sizes compare ---- */
  function shares(counts) {
    var n = counts.reduce(function (a, b) { return a + b; }, 0) || 1;
    return counts.map(function (c) { return c / n; });
  }
  function binLabels(edges) {
    var out = [];
    for (var i = 0; i + 1 < edges.length; i++) { out.push(fmt(edges[i]) + "–" + fmt(edges[i + 1])); }
    return out;
  }
  function histogram(id, h, labelA, labelB, xTitle, extraPlugins) {
    return make(id, {
      type: "bar",
      data: { labels: binLabels(h.edges), datasets: [
        { label: labelA, data: shares(h.a), backgroundColor: REAL + "cc", borderColor: REAL, borderWidth: 1, _counts: h.a },
        { label: labelB, data: shares(h.b), backgroundColor: hatch(SYNTH), borderColor: SYNTH, borderWidth: 1.2, _counts: h.b }
      ] },
      options: baseOptions({
        categoryPercentage: 0.92, barPercentage: 1.0,
        scales: { x: { title: { display: true, text: xTitle }, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } },
                  y: { title: { display: true, text: "share of documents" }, ticks: { callback: function (v) { return (100 * v).toFixed(0) + "%"; } } } },
        plugins: { tooltip: { callbacks: { label: function (it) {
          return it.dataset.label + ": " + pct(it.raw) + " (" + it.dataset._counts[it.dataIndex] + " docs)";
        } } } }
      }),
      plugins: extraPlugins || []
    });
  }
  var L = data.lengths || {};
  if (L.words) { histogram("len-words", L.words, "real", "synthetic", "length in words"); }
  if (L.chars) { histogram("len-chars", L.chars, "real", "synthetic", "length in characters"); }

  if (data.dcr) {
    var thr = data.dcr.threshold;
    var thresholdLine = {
      id: "thresholdLine",
      afterDatasetsDraw: function (chart) {
        if (thr === null || thr === undefined) { return; }
        var e = data.dcr.edges, xs = chart.scales.x, bw = xs.getPixelForValue(1) - xs.getPixelForValue(0);
        var x = xs.getPixelForValue(0) - bw / 2 + bw * (thr - e[0]) / (e[1] - e[0]);
        var ctx = chart.ctx, a = chart.chartArea;
        ctx.save(); ctx.setLineDash([6, 4]); ctx.strokeStyle = "#111"; ctx.lineWidth = 1.5;
        ctx.beginPath(); ctx.moveTo(x, a.top); ctx.lineTo(x, a.bottom); ctx.stroke(); ctx.setLineDash([]);
        ctx.fillStyle = "#111"; ctx.font = "12px " + Chart.defaults.font.family; ctx.textAlign = "left";
        ctx.fillText("copy threshold " + fmt(thr), x + 5, a.top + 12); ctx.restore();
      }
    };
    histogram("dcr", data.dcr, "held-out real", "synthetic", "cosine distance to the closest real document", [thresholdLine]);
  }

  if (data.words) {
    var w = data.words;
    make("words", {
      type: "bar",
      data: { labels: w.map(function (r) { return r.word; }), datasets: [{
        label: "z-score (right: over-used by synthetic, left: under-used)", data: w.map(function (r) { return r.z; }),
        backgroundColor: w.map(function (r) { return r.z > 0 ? hatch(SYNTH) : REAL + "cc"; }),
        borderColor: w.map(function (r) { return r.z > 0 ? SYNTH : REAL; }), borderWidth: 1.2 }] },
      options: baseOptions({
        indexAxis: "y",
        scales: { x: { title: { display: true, text: "log-odds z-score (synthetic vs real)" } }, y: { ticks: { autoSkip: false } } },
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (it) {
          var r = w[it.dataIndex];
          return "z " + fmt(r.z) + "; per 1k words: real " + fmt(r.real_per_1k) + ", synthetic " + fmt(r.synth_per_1k);
        } } } }
      })
    });
  }

  if (data.representation) {
    var g = data.representation;
    make("representation", {
      type: "bar",
      data: { labels: g.map(function (r) { return r.label; }), datasets: [
        { label: "real", data: g.map(function (r) { return r.real; }), backgroundColor: REAL + "cc", borderColor: REAL, borderWidth: 1 },
        { label: "synthetic", data: g.map(function (r) { return r.synth; }), backgroundColor: hatch(SYNTH), borderColor: SYNTH, borderWidth: 1.2 }
      ] },
      options: baseOptions({
        indexAxis: "y",
        scales: { x: { title: { display: true, text: "documents per 1,000 mentioning the group" } }, y: { ticks: { autoSkip: false } } },
        plugins: { tooltip: { callbacks: { label: function (it) { return it.dataset.label + ": " + fmt(it.raw) + " per 1k docs"; } } } }
      })
    });
  }

  /* Print: expand every <details> (then restore), and let the charts fit the paper. */
  var reopened = [];
  window.addEventListener("beforeprint", function () {
    reopened = Array.prototype.filter.call(document.querySelectorAll("details:not([open])"), function (d) {
      return !d.classList.contains("raw");
    });
    reopened.forEach(function (d) { d.open = true; });
    Object.keys(charts).forEach(function (k) { if (charts[k]) { charts[k].resize(); } });
  });
  window.addEventListener("afterprint", function () {
    reopened.forEach(function (d) { d.open = false; });
    reopened = [];
    Object.keys(charts).forEach(function (k) { if (charts[k]) { charts[k].resize(); } });
  });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape" && tip) { tip.hidden = true; } });
})();
