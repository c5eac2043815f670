// Draws the air analysis page's charts from the JSON the page embeds (#air-data).
(function () {
  "use strict";
  function calendar(element, data) {
    const chart = echarts.init(element);
    chart.setOption({
      animation: false,
      tooltip: { formatter: function (item) { return item.value[0] + " AQI " + item.value[1] + (item.value[2] ? " · " + item.value[2] : ""); } },
      visualMap: { type: "piecewise", dimension: 1, pieces: data.pieces, orient: "horizontal", left: "center", bottom: 0 },
      calendar: { range: data.year, cellSize: ["auto", 16], top: 30, left: 40, right: 20, yearLabel: { show: false } },
      series: [{ type: "heatmap", coordinateSystem: "calendar", data: data.calendar }],
    });
    element.dataset.rendered = "calendar";
    element.dataset.days = String(data.calendar.length);
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function trend(element, data) {
    const pollutant = element.dataset.pollutant;
    const chart = echarts.init(element);
    const limit = data.limits[pollutant];
    const thisYear = { type: "line", name: element.dataset.thisYear, data: data.trend[pollutant], connectNulls: false };
    if (limit !== null) {
      thisYear.markLine = { symbol: "none", data: [{ yAxis: limit, name: element.dataset.limit }],
                            label: { formatter: element.dataset.limit + " {c}" }, lineStyle: { color: "#c62828" } };
    }
    chart.setOption({
      animation: false,
      title: { text: pollutant + (pollutant === "CO" ? " (mg/m³)" : " (µg/m³)"), left: 8, textStyle: { fontSize: 13 } },
      tooltip: { trigger: "axis" },
      legend: { right: 8, top: 0 },
      grid: { left: 48, right: 16, top: 40, bottom: 28 },
      xAxis: { type: "category", data: data.months },
      // From zero, and high enough to show the limit line even when every value is below it.
      yAxis: { type: "value", min: 0, max: function (extent) { return limit === null ? null : Math.ceil(Math.max(extent.max, limit) * 1.15); } },
      series: [thisYear, { type: "line", name: element.dataset.lastYear, data: data.trend_last_year[pollutant],
                           lineStyle: { type: "dashed" }, connectNulls: false }],
    });
    element.dataset.rendered = "chart";
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function polluted(element, data) {
    const chart = echarts.init(element);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["35%", "65%"], data: data.polluted.map(function (p) { return { name: p[0], value: p[1] }; }) }],
    });
    element.dataset.rendered = "chart";
    window.addEventListener("resize", function () { chart.resize(); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    const source = document.getElementById("air-data");
    if (!source) { return; }
    const data = JSON.parse(source.textContent);
    document.querySelectorAll("#aqi-calendar").forEach(function (e) { calendar(e, data); });
    document.querySelectorAll("[data-testid=trend-chart]").forEach(function (e) { trend(e, data); });
    document.querySelectorAll("#polluted-chart").forEach(function (e) { polluted(e, data); });
  });
})();
