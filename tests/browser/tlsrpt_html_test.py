#!/usr/bin/env python3
"""Browser test of the `mxtls tlsrpt read --html` page (python3 standard library only).

1. Runs `mxtls tlsrpt read --json --html PAGE` over real TLS reports (read in
   place from ../shared/corpora/tlsrpt/reports, never copied).
2. Loads the page in headless chromium (--dump-dom, the console on stderr) and
   checks that the numbers the browser shows (totals, the days table, every
   organisation's policies and failures with their meaning and fix) equal the
   JSON's, that script.js drew the chart with one point per day at that day's
   failure share, that no console error and no CSP violation occurred, and
   that the hostile strings of the reports stayed text.
3. Takes a screenshot and checks it: not blank, the chart colour present, and
   (OCR) the headline failure share.

Exit status: 0 pass, 1 fail, 77 chromium missing (ctest reports a skip;
with MXTLS_REQUIRE_BROWSER=1, as scripts/test sets, it is a failure).
"""

import argparse
import collections
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import logs_html_test as common  # noqa: E402  the DOM, PNG and chromium helpers of the logs page's test

check, expect_eq = common.check, common.expect_eq
WIDTH, HEIGHT = 1280, 2400
CHART_COLOUR = (0xB4, 0x23, 0x18)  # the chart's line and points (script.js)


def percent(failed, successful):
    total = failed + successful
    return f"{100 * failed / total:.1f}" if total else "0.0"


def value(node):
    return node.attrs.get("data-value") if node is not None else None


def check_totals(dom, doc):
    for hook, key in (("report-count", "reports"), ("successful-sessions", "successful_sessions"),
                      ("failed-sessions", "failed_sessions")):
        expect_eq(value(dom.find(id=hook)), str(doc[key]), f"#{hook}")
    expect_eq(value(dom.find(id="organisation-count")), str(len(doc["organisations"])), "#organisation-count")
    expect_eq(value(dom.find(id="total-sessions")), str(doc["successful_sessions"] + doc["failed_sessions"]),
              "#total-sessions")
    expect_eq(value(dom.find(id="failure-share")), percent(doc["failed_sessions"], doc["successful_sessions"]),
              "#failure-share")


def check_chart(dom, doc):
    days = doc["days"]
    check(len(days) > 1, f"the corpus should span several days, the JSON has {len(days)}")
    svg = dom.find("svg", id="failure-chart")
    if not check(svg is not None, "svg#failure-chart missing"):
        return
    expect_eq(svg.attrs.get("data-points"), str(len(days)), "chart data-points (script.js ran)")
    points = [n for n in svg.find_all("circle") if "point" in n.classes()]
    expect_eq(len(points), len(days), "chart points, one per day")
    for point, day in zip(points, days):
        expect_eq(point.attrs.get("data-date"), day["date"], "chart point date")
        expect_eq(point.attrs.get("data-share"), f"{100 * day['failure_share']:.1f}", f"chart share of {day['date']}")
    if len(days) > 1:
        check(any("line" in n.classes() for n in svg.find_all("path")), "chart line missing")
    table = dom.find("table", id="days-table")
    rows = list(table.find_all("tr")) if table is not None else []
    rows = [r for r in rows if "data-date" in r.attrs]
    expect_eq([r.attrs["data-date"] for r in rows], [d["date"] for d in days], "days table rows")
    for row, day in zip(rows, days):
        expect_eq(value(row.find("td", data_col="failed")), str(day["failed_sessions"]), f"failed on {day['date']}")
        expect_eq(value(row.find("td", data_col="successful")), str(day["successful_sessions"]),
                  f"successful on {day['date']}")


def check_policies(section, org):
    name = org["name"]
    rows = [r for r in section.find_all("tr") if "data-policy-type" in r.attrs and "data-mx" not in r.attrs]
    expect_eq([(r.attrs["data-policy-type"], r.attrs["data-policy-domain"]) for r in rows],
              [(p["type"], p["domain"]) for p in org["policies"]], f"{name}: policy rows")
    for row, p in zip(rows, org["policies"]):
        for col, key in (("successful", "successful_sessions"), ("failed", "failed_sessions")):
            expect_eq(value(row.find("td", data_col=col)), str(p[key]), f"{name} {p['type']} {p['domain']}: {col}")
        expect_eq(value(row.find("td", data_col="failure-share")), f"{100 * p['failure_share']:.1f}",
                  f"{name} {p['type']} {p['domain']}: failure share")


def check_failures(section, org):
    name = org["name"]
    want = [(p, mx, f) for p in org["policies"] for mx in p["mx"] for f in mx["failures"]]
    rows = [r for r in section.find_all("tr") if "data-mx" in r.attrs]
    expect_eq(len(rows), len(want), f"{name}: failure rows")
    for row, (p, mx, f) in zip(rows, want):
        what = f"{name} {mx['host'] or '(MX not named)'} {f['result_type']}"
        expect_eq((row.attrs["data-mx"], row.attrs["data-result-type"]), (mx["host"], f["result_type"]), what)
        expect_eq(value(row.find("td", data_col="sessions")), str(f["sessions"]), f"{what}: sessions")
        meaning = row.find("td", data_col="meaning")
        check(meaning is not None and meaning.text().startswith(f["meaning"]), f"{what}: meaning differs")
        fix = row.find("td", data_col="fix")
        expect_eq(fix.text() if fix is not None else None, f["fix"], f"{what}: fix")


def check_dom(dom, doc):
    body = dom.find("body")
    expect_eq(body.attrs.get("data-csp-violations") if body is not None else None, None, "CSP violations")
    check_totals(dom, doc)
    check_chart(dom, doc)
    sections = [s for s in dom.find_all("section") if "organisation" in s.classes()]
    expect_eq([s.attrs.get("data-organisation") for s in sections], [o["name"] for o in doc["organisations"]],
              "organisation sections")
    for section, org in zip(sections, doc["organisations"]):
        check_policies(section, org)
        check_failures(section, org)
    scripts = list(dom.find_all("script"))
    expect_eq(len(scripts), 2, "script elements (the page's own and the data block)")
    warnings = dom.find("ul", id="warnings")
    shown = [li.text() for li in warnings.find_all("li")] if warnings is not None else []
    expect_eq(shown, doc["warnings"], "odd reports")


def check_console(lines):
    console = [line for line in lines if "CONSOLE" in line or "Content Security Policy" in line or "Refused" in line]
    for line in console:
        print("console: " + line)
    expect_eq(console, [], "console messages")


def check_screenshot(path, doc):
    if not check(os.path.exists(path) and os.path.getsize(path) > 0, f"screenshot {path} missing or empty"):
        return
    width, height, channels, pixels = common.decode_png(path)
    expect_eq((width, height), (WIDTH, HEIGHT), "screenshot size")
    colours = collections.Counter(zip(pixels[0::channels], pixels[1::channels], pixels[2::channels]))
    print(f"screenshot: {width}x{height}, {len(colours)} distinct colours, "
          f"chart colour on {colours.get(CHART_COLOUR, 0)} pixels")
    check(len(colours) >= 200, f"screenshot looks blank: only {len(colours)} distinct colours")
    check(colours.get(CHART_COLOUR, 0) >= 500, "screenshot: too little of the chart colour (#b42318)")
    tesseract = shutil.which("tesseract")
    if tesseract is None:
        check(not common.required(), "tesseract missing (apt-get install tesseract-ocr, or scripts/setup)")
        return
    result = subprocess.run([tesseract, path, "-", "--psm", "3"], capture_output=True, timeout=120)
    seen = common.digits_only(" ".join(result.stdout.decode("utf-8", errors="replace").split()))
    with open(path + ".txt", "w", encoding="utf-8") as f:
        f.write(seen)
    want = percent(doc["failed_sessions"], doc["successful_sessions"]) + "% failed"
    found = want in seen
    print(f"screenshot text: {want!r} {'found' if found else 'MISSING'}")
    check(found, f"screenshot: headline {want!r} not read in the image ({path}.txt)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mxtls", required=True, help="mxtls binary")
    ap.add_argument("--reports", required=True, help="folder of TLS reports (../shared/corpora/tlsrpt/reports)")
    ap.add_argument("--out-dir", required=True, help="where the HTML and the screenshot are kept")
    ap.add_argument("--name", default="tlsrpt_html", help="file name stem of the page and the screenshot")
    args = ap.parse_args()

    inputs = sorted(glob.glob(os.path.join(args.reports, "*")))
    if not inputs:
        print(f"no reports in {args.reports}")
        return 1
    browser = common.chromium_command()
    if browser is None:
        print("chromium not installed (apt-get install chromium, or scripts/setup)")
        return 1 if common.required() else 77

    os.makedirs(args.out_dir, exist_ok=True)
    page = os.path.abspath(os.path.join(args.out_dir, f"{args.name}.html"))
    png = os.path.abspath(os.path.join(args.out_dir, f"{args.name}.png"))
    for stale in (page, png):
        if os.path.exists(stale):
            os.remove(stale)
    # --no-dkim: the DKIM key lookups of the corpus's mail would leave loopback.
    result = subprocess.run([args.mxtls, "tlsrpt", "read", "--no-dkim", "--json", "--html", page] + inputs,
                            capture_output=True, timeout=60)
    check(result.returncode == 0, f"mxtls tlsrpt read exited {result.returncode}: {result.stderr[-2000:]!r}")
    doc = json.loads(result.stdout)
    url = "file://" + page

    with tempfile.TemporaryDirectory(prefix="mxtls-chromium-") as profile:
        stderr = []
        logging = ["--enable-logging=stderr", "--v=0"]
        dom_text = common.run_chromium(browser, profile, url, logging + ["--dump-dom"], stderr_lines=stderr)
        with open(os.path.join(args.out_dir, f"{args.name}.dom.html"), "w", encoding="utf-8") as f:
            f.write(dom_text)
        check_dom(common.parse_dom(dom_text), doc)
        common.run_chromium(browser, profile, url, logging + [f"--screenshot={png}", f"--window-size={WIDTH},{HEIGHT}"],
                            stderr_lines=stderr)
        check_console(stderr)
    check_screenshot(png, doc)

    print(f"page: {page}\nscreenshot: {png}")
    if common.failures:
        print(f"FAIL: {len(common.failures)} problem(s)")
        for f in common.failures:
            print("  - " + f)
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
