(function () {
  'use strict';

  // In the SVG namespace, that of the page's own <svg> (no URL spelled out here).
  function node(namespace, name, attributes, text) {
    var e = document.createElementNS(namespace, name);
    Object.keys(attributes).forEach(function (k) { e.setAttribute(k, String(attributes[k])); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  // The y axis' top: the smallest of these at or above the largest share, in percent.
  function axisTop(largest) {
    var tops = [1, 2, 5, 10, 20, 25, 50, 100];
    for (var i = 0; i < tops.length; i++) if (largest <= tops[i]) return tops[i];
    return 100;
  }
  // The failure share per day: one circle per day (the day's sessions and failures in its title).
  function drawChart(svg, days) {
    var W = 1000, H = 320, left = 60, right = 20, top = 16, bottom = 52;
    var pw = W - left - right, ph = H - top - bottom, ns = svg.namespaceURI;
    var add = function (name, attributes, text) { return svg.appendChild(node(ns, name, attributes, text)); };
    var shares = days.map(function (d) { return 100 * (+d.failure_share || 0); });
    var ymax = axisTop(Math.max.apply(null, shares.concat([0])));
    var x = function (i) { return days.length === 1 ? left + pw / 2 : left + pw * i / (days.length - 1); };
    var y = function (s) { return top + ph * (1 - Math.min(s, ymax) / ymax); };
    for (var g = 0; g <= 4; g++) {
      var value = ymax * g / 4, gy = y(value);
      add('line', { x1: left, x2: W - right, y1: gy, y2: gy, stroke: g ? '#d0d7de' : '#57606a' });
      add('text', { x: left - 8, y: gy + 4, 'text-anchor': 'end', fill: '#57606a' },
        (Math.round(value * 10) / 10) + '%');
    }
    var step = Math.max(1, Math.ceil(days.length / 10));
    for (var i = 0; i < days.length; i += step) {
      var last = days.length > 1 && i === days.length - 1;  // ends at the plot's edge rather than past it
      add('text', { x: x(i), y: top + ph + 20, 'text-anchor': last ? 'end' : 'middle', fill: '#57606a' }, days[i].date);
    }
    add('text', { x: left + pw / 2, y: H - 6, 'text-anchor': 'middle', fill: '#57606a' }, 'day (UTC)');
    var path = days.map(function (d, i) { return (i ? 'L' : 'M') + x(i).toFixed(1) + ' ' + y(shares[i]).toFixed(1); });
    if (days.length > 1)
      add('path', { d: path.join(' '), fill: 'none', stroke: '#b42318', 'stroke-width': 2, 'class': 'line' });
    days.forEach(function (d, i) {
      var point = node(ns, 'circle', { cx: x(i), cy: y(shares[i]), r: 5, fill: '#b42318', 'class': 'point',
        'data-date': d.date, 'data-share': shares[i].toFixed(1), 'data-failed': d.failed_sessions,
        'data-successful': d.successful_sessions });
      point.appendChild(node(ns, 'title', {}, d.date + ': ' + d.failed_sessions + ' of ' +
        (d.failed_sessions + d.successful_sessions) + ' sessions failed (' + shares[i].toFixed(1) + '%)'));
      svg.appendChild(point);
    });
    svg.setAttribute('data-points', String(days.length));
  }

  var data = document.getElementById('overview-data');
  var svg = document.getElementById('failure-chart');
  if (data && svg) {
    var overview = JSON.parse(data.textContent);
    drawChart(svg, Array.isArray(overview.days) ? overview.days : []);
  }
})();
