// A campaign's pacing chart, drawn by ECharts from the JSON the page embeds (#pacing-data):
// planned and actual cumulative spend by day. "Download PNG" saves it as the reader sees it.
(function () {
  "use strict";

  function start() {
    const source = document.getElementById("pacing-data");
    const element = document.getElementById("chart-pacing");
    if (!source || !element || !window.echarts) return;
    const data = JSON.parse(source.textContent);
    const chart = window.echarts.init(element, null, { locale: data.locale === "fr" ? "FR" : "EN" });
    window.addEventListener("resize", function () { chart.resize(); });
    const money = new Intl.NumberFormat(data.locale, { maximumFractionDigits: 2 });
    const show = function (v) { return v === null || v === undefined ? "" : money.format(v); };
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", valueFormatter: show },
      legend: { top: 0, left: "center", data: [data.text.planned, data.text.actual] },
      grid: { left: 60, right: 20, top: 40, bottom: 30 },
      xAxis: { type: "category", data: data.days },
      yAxis: { type: "value", axisLabel: { formatter: show } },
      series: [
        { name: data.text.planned, type: "line", data: data.planned, showSymbol: false,
          lineStyle: { type: "dashed" } },
        { name: data.text.actual, type: "line", data: data.actual, showSymbol: false,
          areaStyle: { opacity: 0.12 } },
      ],
    });
    document.querySelectorAll("[data-png]").forEach(function (button) {
      button.addEventListener("click", function () {
        const link = document.createElement("a");
        link.href = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#ffffff" });
        link.download = "pacing.png";
        document.body.appendChild(link);
        link.click();
        link.remove();
      });
    });
    document.body.dataset.pacingReady = "true";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
