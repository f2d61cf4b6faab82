/* Ops Center analytics page: a chart's PNG, made in the browser by plotly from the chart itself. */

window.dash_clientside = Object.assign({}, window.dash_clientside, {
  analytics: {
    /* The PNG button of a chart was clicked: download that chart as PNG under the file name its
       modebar uses (toImageButtonOptions: in the page's language). Returns the click count. */
    downloadChart: function () {
      var context = window.dash_clientside.callback_context;
      var fired = context.triggered && context.triggered[0];
      if (!fired || !fired.value) { return window.dash_clientside.no_update; }
      var id = JSON.parse(fired.prop_id.slice(0, fired.prop_id.lastIndexOf("."))).chart;
      var plot = document.querySelector("#" + id + " .js-plotly-plot");
      if (!plot || !window.Plotly) { return window.dash_clientside.no_update; }
      var options = (plot._context && plot._context.toImageButtonOptions) || {};
      window.Plotly.downloadImage(plot, {
        format: "png", filename: options.filename || id, scale: options.scale || 1,
        width: plot._fullLayout.width, height: plot._fullLayout.height
      });
      return fired.value;
    }
  }
});
