// Draws the statistics page's bar charts with Chart.js (served by the panel) from the page's JSON.
(() => {
  const data = document.getElementById("chart-data");
  if (!data || !window.Chart) return;
  const { charts } = JSON.parse(data.textContent || "{}");
  for (const chart of charts || []) {
    const canvas = document.getElementById(chart.id);
    if (!canvas) continue;
    canvas.dataset.drawn = "false";
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: chart.labels, datasets: [{ label: chart.title, data: chart.values, backgroundColor: "#a8325a" }] },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
    canvas.dataset.drawn = "true";
  }
})();
