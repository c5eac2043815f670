// Draws the overview map: the area's outline from a shipped boundary file, with markers the server lists.
(function () {
  "use strict";
  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.json();
    });
  }
  function series(name, points, symbol) {
    return {
      // The legend tells kinds apart by shape; each marker's own colour tells its state.
      type: "scatter", coordinateSystem: "geo", name: name, symbol: symbol, symbolSize: 12,
      itemStyle: { color: "#5b7fa6" },
      data: points.map(function (p) {
        return { name: p.name, value: p.value, url: p.url, label: p.label, itemStyle: { color: p.colour } };
      }),
      tooltip: { formatter: function (item) { return item.name + (item.data.label ? " · " + item.data.label : ""); } },
    };
  }
  function draw(element) {
    const chart = echarts.init(element);
    const labels = JSON.parse(element.dataset.labels);
    chart.showLoading();
    Promise.all([fetchJson(element.dataset.boundary), fetchJson(element.dataset.points)])
      .then(function (results) {
        chart.hideLoading();
        echarts.registerMap("area", results[0]);
        const sites = results[1].sites;
        const byKind = function (kind) { return sites.filter(function (s) { return s.kind === kind; }); };
        chart.setOption({
          animation: false,
          tooltip: { trigger: "item" },
          legend: { bottom: 0 },
          geo: { map: "area", roam: true, itemStyle: { areaColor: "#eef3f8", borderColor: "#5b7fa6" },
                 emphasis: { disabled: true } },
          series: [series(labels.air, byKind("air"), "circle"), series(labels.water, byKind("water"), "diamond"),
                   series(labels.outlet, byKind("outlet"), "rect"), series(labels.case, results[1].cases, "triangle")],
        });
        chart.on("click", function (item) { if (item.data && item.data.url) { window.location.href = item.data.url; } });
        element.dataset.rendered = sites.length || results[1].cases.length ? "map" : "empty";
        element.dataset.markers = String(sites.length + results[1].cases.length);
      })
      .catch(function () {
        chart.hideLoading();
        chart.setOption({ title: { text: element.dataset.error, left: "center", top: "middle" } });
        element.dataset.rendered = "error";
      });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("#overview-map").forEach(draw);
  });
})();
