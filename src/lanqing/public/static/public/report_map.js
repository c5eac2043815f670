// The report form's county map: the real boundary drawn by ECharts (no tiles, no requests elsewhere); a tap
// marks the place and fills the hidden longitude and latitude fields. Without script the township and village
// list still works.
(function () {
  "use strict";
  var box = document.getElementById("county-map");
  if (!box || !window.echarts) { return; }
  var lon = document.getElementById("id_longitude");
  var lat = document.getElementById("id_latitude");
  var label = document.getElementById("map-point");
  var chart = window.echarts.init(box);

  function marker() {
    return lon.value && lat.value ? [[Number(lon.value), Number(lat.value)]] : [];
  }

  function draw() {
    chart.setOption({ series: [{ id: "place", data: marker() }] });
    label.textContent = lon.value && lat.value
      ? label.dataset.chosen + " " + Number(lat.value).toFixed(5) + ", " + Number(lon.value).toFixed(5)
      : label.dataset.empty;
  }

  fetch(box.dataset.geojson, { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (geojson) {
      window.echarts.registerMap("county", geojson);
      chart.setOption({
        animation: false,
        geo: { map: "county", roam: false, aspectScale: 0.82, layoutCenter: ["50%", "50%"], layoutSize: "95%",
               itemStyle: { areaColor: "#e8f3ee", borderColor: "#2e7d5b", borderWidth: 1.5 },
               emphasis: { disabled: true }, label: { show: false }, select: { disabled: true } },
        series: [{ id: "place", type: "scatter", coordinateSystem: "geo", symbolSize: 18, data: marker(),
                   itemStyle: { color: "#c62828" } }]
      });
      box.dataset.ready = "1";
      chart.getZr().on("click", function (event) {
        var pixel = [event.offsetX, event.offsetY];
        if (!chart.containPixel("geo", pixel)) { return; }
        var point = chart.convertFromPixel("geo", pixel);
        lon.value = point[0].toFixed(6);
        lat.value = point[1].toFixed(6);
        draw();
      });
    });
  window.addEventListener("resize", function () { chart.resize(); });
})();
