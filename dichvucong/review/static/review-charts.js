// Review dashboard charts, drawn with the vendored Chart.js from the figures the page embeds
// as JSON (<script type="application/json" id="review-figures">). No inline script: CSP-safe.
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("review-figures");
    if (!source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent || "{}");
    var Chart = window.Chart;
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.maintainAspectRatio = false;
    Chart.defaults.animation = false;

    var daily = document.getElementById("chart-daily");
    if (daily) {
      new Chart(daily, {
        type: "bar",
        data: {
          labels: data.days || [],
          datasets: [
            { type: "bar", label: "Hội thoại", data: data.conversations || [], backgroundColor: "#0b4f9c" },
            { type: "line", label: "Tin nhắn", data: data.messages || [], borderColor: "#9a6700", backgroundColor: "#9a6700", tension: 0.2 },
            { type: "line", label: "Không hiểu", data: data.fallbacks || [], borderColor: "#b42318", backgroundColor: "#b42318", tension: 0.2 }
          ]
        },
        options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
      });
    }

    var procedures = document.getElementById("chart-procedures");
    if (procedures) {
      var items = data.procedures || [];
      new Chart(procedures, {
        type: "bar",
        data: {
          labels: items.map(function (p) { return p.label.length > 48 ? p.label.slice(0, 47) + "…" : p.label; }),
          datasets: [{ label: "Số câu hỏi", data: items.map(function (p) { return p.count; }), backgroundColor: "#157347" }]
        },
        options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
      });
    }

    var ratings = document.getElementById("chart-ratings");
    if (ratings) {
      new Chart(ratings, {
        type: "doughnut",
        data: {
          labels: ["Hữu ích", "Chưa đúng"],
          datasets: [{ data: data.ratings || [0, 0], backgroundColor: ["#157347", "#b42318"] }]
        }
      });
    }
    document.documentElement.setAttribute("data-charts", "ready");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
