// Draws the site page's time-series chart from the JSON the server returns.
(function () {
  "use strict";
  function draw(element) {
    const chart = echarts.init(element);
    chart.showLoading();
    fetch(element.dataset.url, { credentials: "same-origin" })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (data) {
        chart.hideLoading();
        if (!data.points.length) {
          chart.setOption({ title: { text: element.dataset.empty, left: "center", top: "middle" } });
          element.dataset.rendered = "empty";
          return;
        }
        chart.setOption({
          tooltip: { trigger: "axis" },
          grid: { left: 56, right: 24, top: 48, bottom: 64 },
          title: { text: data.name + (data.unit ? " (" + data.unit + ")" : ""), left: 8, textStyle: { fontSize: 14 } },
          xAxis: { type: "category", data: data.points.map(function (p) { return p[0]; }) },
          yAxis: { type: "value", scale: true },
          animation: false,
          dataZoom: [{ type: "inside" }, { type: "slider" }],
          series: [{ type: "line", name: data.name, showSymbol: false, connectNulls: false,
                     data: data.points.map(function (p) { return p[1]; }) }],
        });
        element.dataset.rendered = "chart";
      })
      .catch(function () {
        chart.hideLoading();
        chart.setOption({ title: { text: element.dataset.error, left: "center", top: "middle" } });
        element.dataset.rendered = "error";
      });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("#site-chart").forEach(draw);
  });
})();
