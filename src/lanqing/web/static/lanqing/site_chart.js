// Draws the site page's time-series chart from the JSON the server returns, with an outlet's marks from the page.
(function () {
  "use strict";
  function isNumber(value) { return typeof value === "number"; }

  // The limit as a dashed red line (two for a range such as pH), and each value the standard judges above it
  // as a red pin on the line of values.
  function limitMarks(data, element) {
    if (!data.limit) { return {}; }
    const lines = [data.limit.high, data.limit.low].filter(isNumber).map(function (value) {
      return { yAxis: value, name: data.limit.label };
    });
    const pins = (data.exceed || []).map(function (index) {
      return { coord: [data.points[index][0], data.points[index][1]], value: data.points[index][1] };
    });
    return {
      markLine: { symbol: "none", silent: true, data: lines,
                  lineStyle: { color: "#c62828", type: "dashed", width: 1.5 },
                  label: { formatter: "{b} {c}", position: "insideEndTop", color: "#c62828" } },
      markPoint: { symbol: "pin", symbolSize: 34, data: pins, itemStyle: { color: "#c62828" },
                   label: { fontSize: 9, color: "#fff" } },
    };
  }

  // Each valid data mark of the outlet as a muted band over the hours it excuses, labelled with its kind; the
  // server sends only the marks of the shown window (json_script "site-chart-marks"), in the axis's local time.
  // A band is clipped to the values drawn, so it never stretches the axis.
  function markAreas(data) {
    const source = document.getElementById("site-chart-marks");
    if (!source || !data.points.length) { return {}; }
    const first = data.points[0][0];
    const last = data.points[data.points.length - 1][0];
    const bands = JSON.parse(source.textContent).filter(function (mark) {
      return mark.from <= last && mark.to >= first;
    }).map(function (mark) {
      const name = mark.device ? mark.label + " · " + mark.device : mark.label;
      return [{ name: name, xAxis: mark.from < first ? first : mark.from }, { xAxis: mark.to > last ? last : mark.to }];
    });
    if (!bands.length) { return {}; }
    return { markArea: { silent: true, data: bands, itemStyle: { color: "rgba(120, 104, 160, 0.16)" },
                         label: { position: "insideTop", color: "#56497a", fontSize: 11 } } };
  }

  // The axis reaches the limit even when every value is far below it, so the line is always in view.
  function axisBound(data, side) {
    const limit = data.limit && data.limit[side];
    if (!isNumber(limit)) { return null; }
    if (side === "high") { return function (extent) { return extent.max > limit ? null : Math.ceil(limit * 1.1); }; }
    return function (extent) { return extent.min < limit ? null : Math.floor(limit * 0.9); };
  }

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
          xAxis: { type: "time" },
          yAxis: { type: "value", scale: true, min: axisBound(data, "low"), max: axisBound(data, "high") },
          animation: false,
          dataZoom: [{ type: "inside" }, { type: "slider" }],
          series: [Object.assign({ type: "line", name: data.name, showSymbol: false, connectNulls: false,
                     data: data.points.map(function (p) { return [p[0], p[1]]; }) }, limitMarks(data, element),
                   markAreas(data))],
        });
        element.dataset.rendered = "chart";
        element.dataset.limitLines = data.limit ? String([data.limit.high, data.limit.low].filter(isNumber).length) : "0";
        element.dataset.exceedMarks = String((data.exceed || []).length);
        element.dataset.markAreas = String(((markAreas(data).markArea || {}).data || []).length);
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

// Daily AQI as bars in the standard's level colours (HJ 633 Table 2), computed on the server.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    const element = document.getElementById("daily-aqi-chart");
    const source = document.getElementById("daily-aqi-data");
    if (!element || !source) { return; }
    const rows = JSON.parse(source.textContent);
    const chart = echarts.init(element);
    chart.setOption({
      animation: false,
      title: { text: element.dataset.title, left: 8, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: 16, top: 40, bottom: 32 },
      xAxis: { type: "category", data: rows.map(function (r) { return r[0]; }) },
      yAxis: { type: "value", min: 0 },
      series: [{ type: "bar", name: "AQI", data: rows.map(function (r) {
        return { value: r[1], itemStyle: { color: r[2] || "#ccc" } };
      }) }],
    });
    element.dataset.rendered = "chart";
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
