// 招商项目管理系统: behaviour shared by the pages. No inline scripts: pages pass data in
// <script type="application/json"> blocks (Django's json_script) and data- attributes.
(function () {
  "use strict";

  // Charts: <div class="chart" data-chart="ID"> takes its ECharts option from the JSON block #ID.
  function renderCharts(root) {
    if (typeof window.echarts === "undefined") return;
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.dataset.chart);
      if (!source || el.dataset.rendered) return;
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      var option = JSON.parse(source.textContent);
      chart.setOption(option);
      // A click on a bar or slice opens the list behind it, when the data item carries a link.
      chart.on("click", function (params) {
        var link = params.data && params.data.link;
        if (link) window.location.href = link;
      });
      el.dataset.rendered = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  // Forms that ask before they act: <form data-confirm="message">.
  document.addEventListener("submit", function (event) {
    var message = event.target.dataset && event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", function () {
    // Controls that only work with JavaScript stay hidden without it: <div data-needs-js hidden>.
    document.querySelectorAll("[data-needs-js]").forEach(function (el) { el.hidden = false; });
    renderCharts(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) { renderCharts(event.target); });
  window.renderCharts = renderCharts;
})();
