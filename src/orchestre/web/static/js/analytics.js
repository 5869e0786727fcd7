// The analytics dashboard's charts, drawn by ECharts from the JSON the page embeds
// (#analytics-data): the chosen figure over time, the best-posting-times heatmap (7 x 24,
// posts per cell in the tooltip) and the format comparison. Each chart's "Download PNG"
// button saves the chart as the reader sees it.
(function () {
  "use strict";

  function formatter(locale, unit) {
    const number = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
    const percent = new Intl.NumberFormat(locale, {
      style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1,
    });
    return function (value) {
      if (value === null || value === undefined) return null;
      if (unit === "ratio") return percent.format(value);
      if (unit === "percent") return percent.format(value / 100);
      return number.format(value);
    };
  }

  function make(id, locale) {
    const element = document.getElementById(id);
    if (!element) return null;
    const chart = window.echarts.init(element, null, { locale: locale === "fr" ? "FR" : "EN" });
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }

  function seriesChart(data, chart, name) {
    const kpi = data.kpis.find(function (k) { return k.name === name; }) || data.kpis[0];
    const show = formatter(data.locale, kpi.unit);
    chart.setOption({
      animation: false,
      grid: { left: 64, right: 16, top: 24, bottom: 40 },
      tooltip: {
        trigger: "axis",
        valueFormatter: function (v) { return show(v) ?? data.text.not_available; },
      },
      xAxis: { type: "category", data: data.series.labels },
      yAxis: { type: "value", axisLabel: { formatter: function (v) { return show(v); } } },
      series: [{
        name: kpi.label, type: kpi.unit === "count" ? "bar" : "line", connectNulls: false,
        data: data.series.values[kpi.name], itemStyle: { color: "#4f46e5" },
      }],
    }, true);
  }

  function heatmapChart(data, chart) {
    const show = formatter(data.locale, data.heatmap.unit);
    const values = data.heatmap.cells.map(function (c) { return c[2]; })
      .filter(function (v) { return v !== null; });
    const hours = Array.from({ length: 24 }, function (_, h) { return String(h).padStart(2, "0"); });
    chart.setOption({
      animation: false,
      grid: { left: 48, right: 16, top: 16, bottom: 72 },
      tooltip: {
        formatter: function (p) {
          const cell = p.data;
          const value = show(cell[2]) ?? data.text.not_available;
          return data.heatmap.days[cell[1]] + " " + hours[cell[0]] + ":00<br>" +
            data.heatmap.kpi + ": " + value + "<br>" + data.text.posts + ": " + cell[3];
        },
      },
      xAxis: { type: "category", data: hours, splitArea: { show: true } },
      yAxis: { type: "category", data: data.heatmap.days, inverse: true, splitArea: { show: true } },
      visualMap: {
        min: values.length ? Math.min.apply(null, values) : 0,
        max: values.length ? Math.max.apply(null, values) : 1,
        calculable: true, orient: "horizontal", left: "center", bottom: 0,
        inRange: { color: ["#eef2ff", "#4f46e5"] },
        formatter: function (v) { return show(v); },
      },
      series: [{
        type: "heatmap",
        data: data.heatmap.cells.map(function (c) {
          return { value: [c[0], c[1], c[2], c[3]], itemStyle: c[2] === null ? { color: "#f9fafb" } : undefined };
        }),
        emphasis: { itemStyle: { borderColor: "#101828", borderWidth: 1 } },
      }],
    });
  }

  function formatsChart(data, chart) {
    const show = formatter(data.locale, data.formats.unit);
    chart.setOption({
      animation: false,
      grid: { left: 64, right: 16, top: 24, bottom: 32 },
      tooltip: {
        trigger: "axis",
        formatter: function (items) {
          const i = items[0].dataIndex;
          return data.formats.labels[i] + "<br>" + data.formats.kpi + ": " +
            (show(data.formats.values[i]) ?? data.text.not_available) + "<br>" +
            data.text.posts + ": " + (data.formats.posts[i] ?? 0);
        },
      },
      xAxis: { type: "category", data: data.formats.labels },
      yAxis: { type: "value", axisLabel: { formatter: function (v) { return show(v); } } },
      series: [{ type: "bar", data: data.formats.values, itemStyle: { color: "#4f46e5" } }],
    });
  }

  // A small line of each card's KPI over the period, without axes.
  function sparkline(data, element) {
    const values = data.series.values[element.dataset.spark];
    if (!values || values.every(function (v) { return v === null; })) return;
    const chart = window.echarts.init(element, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 0, right: 0, top: 2, bottom: 2 },
      xAxis: { type: "category", show: false, data: data.series.labels },
      yAxis: { type: "value", show: false, scale: true },
      series: [{
        type: "line", data: values, symbol: "none", connectNulls: true,
        lineStyle: { width: 1.5, color: "#4f46e5" },
      }],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function download(chart, name) {
    const link = document.createElement("a");
    link.href = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#ffffff" });
    link.download = name + ".png";
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  function start() {
    const source = document.getElementById("analytics-data");
    if (!source || !window.echarts) return;
    const data = JSON.parse(source.textContent);
    const charts = {
      "chart-series": make("chart-series", data.locale),
      "chart-heatmap": make("chart-heatmap", data.locale),
      "chart-formats": make("chart-formats", data.locale),
    };
    const select = document.querySelector("[data-series-select]");
    if (charts["chart-series"]) {
      seriesChart(data, charts["chart-series"], select ? select.value : data.kpis[0].name);
      if (select) {
        select.addEventListener("change", function () {
          seriesChart(data, charts["chart-series"], select.value);
        });
      }
    }
    document.querySelectorAll("[data-spark]").forEach(function (element) {
      sparkline(data, element);
    });
    if (charts["chart-heatmap"]) heatmapChart(data, charts["chart-heatmap"]);
    if (charts["chart-formats"]) formatsChart(data, charts["chart-formats"]);
    document.querySelectorAll("[data-png]").forEach(function (button) {
      button.addEventListener("click", function () {
        const chart = charts[button.dataset.png];
        if (chart) download(chart, button.dataset.png);
      });
    });
    document.body.dataset.analyticsReady = "true";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
