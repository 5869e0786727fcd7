// The listening page's brand-health chart: mentions per day stacked by sentiment, drawn by
// ECharts from the JSON the page embeds (#listening-data); "Download PNG" saves it.
(function () {
  "use strict";

  const COLORS = { positive: "#16a34a", neutral: "#94a3b8", negative: "#dc2626" };

  function start() {
    const source = document.getElementById("listening-data");
    const element = document.getElementById("chart-volume");
    if (!source || !element || !window.echarts) return;
    const data = JSON.parse(source.textContent);
    const locale = document.documentElement.lang === "fr" ? "FR" : "EN";
    const chart = window.echarts.init(element, null, { locale: locale });
    window.addEventListener("resize", function () { chart.resize(); });
    chart.setOption({
      animation: false,
      grid: { left: 48, right: 16, top: 32, bottom: 40 },
      legend: { top: 0 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.days },
      yAxis: { type: "value", minInterval: 1 },
      series: data.series.map(function (s) {
        return { name: s.name, type: "bar", stack: "volume", data: s.values,
                 itemStyle: { color: COLORS[s.key] } };
      }),
    });
    document.querySelectorAll("[data-png]").forEach(function (button) {
      button.addEventListener("click", function () {
        const link = document.createElement("a");
        link.href = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#ffffff" });
        link.download = "listening.png";
        document.body.appendChild(link);
        link.click();
        link.remove();
      });
    });
    document.body.dataset.listeningReady = "true";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
