// Draws the dashboard's Chart.js charts from the JSON next to each canvas; the same numbers are
// in the tables below each chart, so nothing is lost without JavaScript.
(function () {
  "use strict";
  function draw(id, options) {
    var canvas = document.getElementById(id);
    var data = document.getElementById(id + "-data");
    if (!canvas || !data || typeof Chart === "undefined") return;
    new Chart(canvas, { type: "line", data: JSON.parse(data.textContent), options: options });
  }
  function axis(title) {
    return { title: { display: true, text: title }, beginAtZero: true, ticks: { color: "#333" } };
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (typeof Chart === "undefined") return;
    // French numbers on the axes and in the tooltips (1 234,5), whatever the browser's language.
    Chart.defaults.locale = "fr-FR";
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.color = "#1b1b1b";
    Chart.defaults.animation = false;
    var common = { responsive: true, maintainAspectRatio: false, plugins: { legend: { position: "bottom" } } };
    draw("hours-chart", Object.assign({}, common, { scales: { y: axis("heures"), x: { ticks: { color: "#333" } } } }));
    draw("progress-chart", Object.assign({}, common, { spanGaps: false, scales: { y: axis("% de l'objectif"), x: { ticks: { color: "#333" } } } }));
  });
})();
