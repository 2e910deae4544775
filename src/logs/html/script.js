// The logs page's own script, after src/base/page/report.js (which makes the
// tables sortable): nothing more yet.
