// The shared behaviour of mxtls's HTML reports, before each page's own
// script.js (cmake/embed_page.cmake): sortable tables, every <details> open
// when printing, and a count of Content-Security-Policy violations on <body>
// (data-csp-violations) for the browser tests.
var mxtlsReport = (function () {
  'use strict';
  var violations = 0;
  document.addEventListener('securitypolicyviolation', function () {
    violations += 1;
    document.body.setAttribute('data-csp-violations', String(violations));
  });
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('details').forEach(function (d) { d.open = true; });
  });

  function key(cell) {
    var v = cell.getAttribute('data-sort');
    if (v === null) v = cell.textContent;
    if (v !== '' && !isNaN(v)) return [0, +v];
    return [1, v.toLowerCase()];
  }
  // Each header cell becomes a button that sorts the body rows by its column
  // (numbers before text; data-sort overrides the cell's text).
  function sortable(table) {
    var heads = table.querySelectorAll('thead th');
    heads.forEach(function (th, column) {
      var button = document.createElement('button');
      button.type = 'button';
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener('click', function () {
        var ascending = th.getAttribute('aria-sort') !== 'ascending';
        heads.forEach(function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[column]), y = key(b.cells[column]);
          var r = x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0);
          return ascending ? r : -r;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  document.querySelectorAll('table.sortable').forEach(sortable);
  return { sortable: sortable };
})();
