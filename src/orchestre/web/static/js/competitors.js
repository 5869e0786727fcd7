// The competitors page's charts, drawn by ECharts from the JSON the page embeds
// (#competitors-data): per network, followers per day (one line per side, the brand
// thicker), engagements per post week by week, and the format mix (posts per format).
(function () {
  "use strict";

  const BRAND = "#4f46e5";
  const OTHERS = ["#f59e0b", "#0ea5e9", "#10b981", "#ec4899", "#8b5cf6", "#64748b"];

  function colour(side, index) {
    return side.brand ? BRAND : OTHERS[index % OTHERS.length];
  }

  function draw(element, option, locale) {
    const chart = window.echarts.init(element, null, { locale: locale });
    window.addEventListener("resize", function () { chart.resize(); });
    chart.setOption(option);
  }

  function start() {
    const source = document.getElementById("competitors-data");
    if (!source || !window.echarts) return;
    const data = JSON.parse(source.textContent);
    const locale = document.documentElement.lang === "fr" ? "FR" : "EN";
    data.networks.forEach(function (network, n) {
      const trend = document.querySelector('[data-followers="' + n + '"]');
      if (trend) {
        draw(trend, {
          animation: false,
          grid: { left: 56, right: 16, top: 32, bottom: 64 },
          legend: { bottom: 0 },
          tooltip: { trigger: "axis" },
          xAxis: { type: "category", data: data.days },
          yAxis: { type: "value", scale: true, name: data.text.followers },
          series: network.sides.map(function (side, i) {
            return { name: side.name, type: "line", data: side.trend, connectNulls: true,
                     showSymbol: side.trend.filter(function (v) { return v !== null; }).length < 15, lineStyle: { width: side.brand ? 3 : 2 },
                     itemStyle: { color: colour(side, i) } };
          }),
        }, locale);
      }
      const weekly = document.querySelector('[data-weekly="' + n + '"]');
      if (weekly) {
        draw(weekly, {
          animation: false,
          grid: { left: 56, right: 16, top: 32, bottom: 56 },
          legend: { bottom: 0 },
          tooltip: { trigger: "axis" },
          xAxis: { type: "category", data: data.weeks },
          yAxis: { type: "value", name: data.text.per_post },
          series: network.sides.map(function (side, i) {
            return { name: side.name, type: "bar", data: side.weekly,
                     itemStyle: { color: colour(side, i) } };
          }),
        }, locale);
      }
      const mix = document.querySelector('[data-formats="' + n + '"]');
      if (mix) {
        draw(mix, {
          animation: false,
          grid: { left: 40, right: 16, top: 32, bottom: 56 },
          legend: { bottom: 0 },
          tooltip: { trigger: "axis" },
          xAxis: { type: "category", data: data.formats.map(function (f) { return f.name; }) },
          yAxis: { type: "value", minInterval: 1, name: data.text.posts },
          series: network.sides.map(function (side, i) {
            return { name: side.name, type: "bar",
                     data: data.formats.map(function (f) { return side.formats[f.key] || 0; }),
                     itemStyle: { color: colour(side, i) } };
          }),
        }, locale);
      }
    });
    document.body.dataset.competitorsReady = "true";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
