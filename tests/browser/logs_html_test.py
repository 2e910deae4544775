#!/usr/bin/env python3
"""Browser test of the `mxtls logs` HTML report (python3 standard library only).

1. Renders a fixed JSON report with render_logs_html (mxtls::logs::render_html).
2. Loads the page in headless chromium (--dump-dom) and checks that the numbers
   the browser shows (totals, shares, what-if counts, every table row, the
   timeline markers, the notification texts) equal the JSON's, that rows are
   plaintext-first, and that hostile strings from the JSON stayed text.
3. Takes a 1280x2000 screenshot and checks the PNG: size, not blank, and the
   chart's line colours and the plaintext-row colour are present.
4. Reads the screenshot with OCR (tesseract) and checks that the headline
   shares and counts on it are the JSON's.

With --log instead of --sample, the page and the JSON come from the real
`mxtls logs --json --html` over Postfix logs, and only what holds for any
report is checked.

Exit status: 0 pass, 1 fail, 77 chromium missing (ctest reports a skip;
with MXTLS_REQUIRE_BROWSER=1, as scripts/test sets, it is a failure).
"""

import argparse
import collections
import html.parser
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

WIDTH, HEIGHT = 1280, 2000
# Colours the renderer uses (the chart lines in src/logs/html/html_report.cpp,
# the plaintext rows in src/base/page/report.css).
OUTBOUND_COLOUR = (0x1F, 0x5F, 0xBF)
INBOUND_COLOUR = (0xE0, 0x7B, 0x00)
PLAINTEXT_ROW_COLOUR = (0xFD, 0xEC, 0xEA)

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def expect_eq(actual, expected, what):
    return check(actual == expected, f"{what}: page shows {actual!r}, JSON says {expected!r}")


# ---------------------------------------------------------------- a small DOM


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children = []  # Node or str

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def find_all(self, tag=None, **attrs):
        for n in self.iter():
            if tag is not None and n.tag != tag:
                continue
            if all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items()):
                yield n

    def find(self, tag=None, **attrs):
        return next(self.find_all(tag, **attrs), None)

    def classes(self):
        return (self.attrs.get("class") or "").split()


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class DomBuilder(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, attrs, self.current))

    def handle_endtag(self, tag):
        n = self.current
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.current = n.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse_dom(text):
    b = DomBuilder()
    b.feed(text)
    b.close()
    return b.root


# ---------------------------------------------------------------- expectations


def share(tls, total):
    """The renderer's share: tenths of a percent, rounded down, '–' without messages."""
    if total <= 0:
        return "\u2013"
    tls = min(max(tls, 0), total)
    p = tls * 1000 // total
    return f"{p // 10}.{p % 10}%"


def share_total(row):
    m = row.get("messages", 0)
    return m if m > 0 else row.get("tls", 0) + row.get("plaintext", 0)


def number(node):
    return int(node.text().strip().replace(",", ""))


def check_dom(dom, report, sample):
    """sample: the report is tests/browser/sample_logs.json, whose particulars are known."""
    doc = dom
    title = doc.find("title")
    if sample:
        expect_eq(title.text() if title else None, "Mail TLS report, 2026-11-01 to 2026-11-21", "document title")
    else:
        check(title is not None and title.text().startswith("Mail TLS report, "), "document title")
    html_el = doc.find("html")
    check(html_el is not None and html_el.attrs.get("lang") == "en", "<html lang=en> missing")

    # Hostile strings stayed text: no injected elements, only the page's own script.
    check(doc.find(id="injected") is None, "an element from the JSON (id=injected) was injected into the page")
    check(doc.find("img") is None, "an <img> from the JSON was injected into the page")
    check(len(list(doc.find_all("script"))) == 1, "more than the page's own <script>")
    hostile = "x\"><img id=injected src=x onerror=alert(1)>.example"
    senders = doc.find("table", id="inbound-sender-domains-table")
    check(not sample or senders is not None and senders.find("tr", data_domain=hostile) is not None,
          "hostile sender domain not shown as text in its row")

    # Headline totals.
    for direction in ("outbound", "inbound"):
        totals = report[direction]["totals"]
        for key in totals:
            el = doc.find(id=f"{direction}-{key.replace('_', '-')}")
            if key == "tls_unknown" and totals[key] == 0:  # shown only when there are some
                check(el is None, f"#{direction}-tls-unknown shown for 0")
                continue
            if check(el is not None, f"#{direction}-{key} missing"):
                expect_eq(number(el), totals[key], f"{direction} total {key}")
                expect_eq(el.attrs.get("data-value"), str(totals[key]), f"{direction} total {key} data-value")
        el = doc.find(id=f"{direction}-tls-share")
        if check(el is not None, f"#{direction}-tls-share missing"):
            expect_eq(el.text(), share(totals["tls"], totals["messages"]), f"{direction} TLS share")

    # What-if.
    items = list(doc.find_all("li", **{"class": "what-if"}))
    for direction, listed, wording in (("outbound", "domains", "would have been deferred, then bounced."),
                                       ("inbound", "clients", "would have been rejected.")):
        for w in report["what_if"][direction]:
            li = next((i for i in items if i.attrs.get("data-direction") == direction
                       and i.attrs.get("data-setting") == w["setting"]), None)
            if not check(li is not None, f"what-if {w['setting']!r} missing"):
                continue
            expect_eq(number(li.find("span", data_field="messages")), w["messages"], f"what-if {w['setting']} messages")
            expect_eq(number(li.find("span", data_field=listed)), len(w[listed]), f"what-if {w['setting']} {listed}")
            check(wording in " ".join(li.text().split()), f"what-if {w['setting']}: sentence {wording!r} missing")
            shown = [n.text() for n in li.find_all("li") if n is not li]
            expected = list(w[listed]) + list(w.get("sender_domains", []))
            expect_eq(shown, expected, f"what-if {w['setting']} names")
    encrypt = doc.find(id="what-if-outbound-encrypt-messages")
    if sample:
        check(encrypt is not None and number(encrypt) == 32, "#what-if-outbound-encrypt-messages is not 32")

    # Tables: every row's numbers, plaintext-first order, marking.
    def check_table(table_id, rows, key_attr, key_of, columns):
        table = doc.find("table", id=table_id)
        if not check(table is not None, f"table #{table_id} missing"):
            return
        check(all(th.attrs.get("scope") == "col" for th in table.find("thead").find_all("th")),
              f"#{table_id}: header cells without scope=col")
        trs = list(table.find("tbody").find_all("tr"))
        expect_eq(len(trs), len(rows), f"#{table_id} row count")
        shares = []
        for tr in trs:
            row = next((r for r in rows if key_of(r) == tr.attrs.get(key_attr)), None)
            if not check(row is not None, f"#{table_id}: row {tr.attrs.get(key_attr)!r} not in the JSON"):
                continue
            name = key_of(row)
            for col, key in columns:
                td = tr.find("td", data_col=col)
                if check(td is not None, f"#{table_id} {name}: cell {col} missing"):
                    expect_eq(number(td), row.get(key, 0), f"#{table_id} {name} {col}")
            td = tr.find("td", data_col="tls-share")
            expected_share = share(row.get("tls", 0), share_total(row))
            expect_eq(td.text().strip() if td else None, expected_share, f"#{table_id} {name} TLS share")
            if share_total(row) > 0:  # rows with nothing delivered (only deferrals) show no share
                shares.append(row.get("tls", 0) / share_total(row))
            klass = "plain" if row.get("plaintext", 0) > 0 and row.get("tls", 0) == 0 else \
                "partial" if row.get("plaintext", 0) > 0 else "tls"
            check(klass in tr.classes(), f"#{table_id} {name}: row class {tr.classes()} is not {klass}")
            if klass != "tls":
                badge = tr.find("span", **{"class": f"badge {klass}"})
                check(badge is not None and "plaintext" in badge.text(), f"#{table_id} {name}: plaintext badge missing")
        check(shares == sorted(shares), f"#{table_id}: rows are not plaintext-first: {shares}")

    outbound_rows = report["outbound"]["domains"]
    check_table("outbound-domains-table", outbound_rows, "data-domain", lambda r: r["domain"],
                [("messages", "messages"), ("plaintext", "plaintext")])
    table = doc.find("table", id="outbound-domains-table")
    for row in outbound_rows:
        tr = table.find("tr", data_domain=row["domain"]) if table else None
        td = tr.find("td", data_col="trust") if tr else None
        if check(td is not None, f"trust cell of {row['domain']} missing"):
            for level, n in row["trust"].items():
                expect_eq(td.attrs.get(f"data-{level.lower()}"), str(n), f"{row['domain']} trust {level}")
        td = tr.find("td", data_col="evidence") if tr else None
        if check(td is not None, f"evidence cell of {row['domain']} missing"):
            check(row["evidence"]["text"] in td.text(), f"{row['domain']}: evidence text missing")
            expect_eq(td.attrs.get("data-safe-level"), row["evidence"]["safe_level"], f"{row['domain']} safe level")
    first = table.find("tbody").find("tr") if table else None
    if sample:
        check(first is not None and first.attrs.get("data-domain") == "plain.example", "plain.example is not the first row")
    check_table("inbound-sender-domains-table", report["inbound"]["sender_domains"], "data-domain",
                lambda r: r["domain"], [("messages", "messages"), ("plaintext", "plaintext")])
    check_table("inbound-clients-table", report["inbound"]["clients"], "data-client",
                lambda r: f"{r['host']}[{r['ip']}]",
                [("sessions", "sessions"), ("messages", "messages"), ("plaintext", "plaintext"),
                 ("starttls-failures", "starttls_failures")])

    # Timeline: one marker per bucket with traffic, one table row per bucket, axis labels.
    points = report["timeline"]["points"]
    svg = doc.find("svg", id="timeline-chart")
    if check(svg is not None, "svg#timeline-chart missing"):
        out_g = svg.find("g", **{"class": "line-outbound"})
        in_g = svg.find("g", **{"class": "line-inbound"})
        expect_eq(len(list(out_g.find_all("circle"))), sum(1 for p in points if p["outbound"] > 0), "outbound markers")
        expect_eq(len(list(in_g.find_all("rect"))), sum(1 for p in points if p["inbound"] > 0), "inbound markers")
        labels = [t.text() for t in svg.find_all("text")]
        for label in ("0%", "50%", "100%") + (("Nov 1",) if sample else ()):
            check(label in labels, f"chart axis label {label!r} missing")
        if sample:
            titles = [t.text() for t in out_g.find_all("title")]
            p = points[1]
            want = f"Nov 2, outbound: {p['outbound_tls']} of {p['outbound']} encrypted ({share(p['outbound_tls'], p['outbound'])})"
            check(want in titles, f"marker title {want!r} missing")
    timeline = doc.find("table", id="timeline-table")
    if check(timeline is not None, "timeline table missing"):
        trs = list(timeline.find("tbody").find_all("tr"))
        expect_eq(len(trs), len(points), "timeline table rows")
        for tr, p in zip(trs, points):
            for col in ("outbound", "outbound-tls", "inbound", "inbound-tls"):
                expect_eq(number(tr.find("td", data_col=col)), p[col.replace("-", "_")], f"timeline {p['start']} {col}")

    # Notifications: exact text round trip, in <details>.
    notes = list(doc.find_all("details", **{"class": "notification"}))
    expect_eq(len(notes), len(report["notifications"]), "notification count")
    for n in report["notifications"]:
        d = next((x for x in notes if x.attrs.get("data-domain") == n["domain"]), None)
        if check(d is not None, f"notification for {n['domain']} missing"):
            pre = d.find("pre")
            expect_eq(pre.text() if pre else None, n["text"], f"notification text for {n['domain']}")
            check(n["subject"] in d.find("summary").text(), f"notification subject for {n['domain']} missing")


# ---------------------------------------------------------------- PNG


def decode_png(path):
    """Returns (width, height, channels, pixel bytes) of an 8-bit, non-interlaced PNG."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, ihdr = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    width, height, depth, colour_type, _, _, interlace = ihdr
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour_type)
    if depth != 8 or channels is None or interlace != 0:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour_type}, interlace {interlace}")
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    out = bytearray(height * stride)
    prev = bytearray(stride)
    pos = 0
    for y in range(height):
        kind = raw[pos]
        line = bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        if kind == 1:    # Sub
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif kind == 2:  # Up
            line = bytearray((a + b) & 0xFF for a, b in zip(line, prev))
        elif kind == 3:  # Average
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif kind == 4:  # Paeth
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = prev[i]
                c = prev[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        elif kind != 0:
            raise ValueError(f"bad PNG filter {kind}")
        out[y * stride:(y + 1) * stride] = line
        prev = line
    return width, height, channels, bytes(out)


def digits_only(text):
    return text.replace(",", "").replace("\u202f", "").replace("\u00a0", "")


def check_screenshot_text(path, report):
    """Reads the screenshot with OCR (tesseract) and finds the headline numbers in it."""
    tesseract = shutil.which("tesseract")
    if tesseract is None:
        check(not required(), "tesseract missing (apt-get install tesseract-ocr, or scripts/setup)")
        print("screenshot text: not read (tesseract not installed)")
        return
    result = subprocess.run([tesseract, path, "-", "--psm", "3"], capture_output=True, timeout=120)
    seen = digits_only(" ".join(result.stdout.decode("utf-8", errors="replace").split()))
    with open(path + ".txt", "w", encoding="utf-8") as f:
        f.write(seen)
    for direction in ("outbound", "inbound"):
        t = report[direction]["totals"]
        for want in (f"{share(t['tls'], t['messages'])} encrypted",
                     f"{t['tls']} of {t['messages']} messages over TLS, {t['plaintext']} in plaintext"):
            found = digits_only(want) in seen
            print(f"screenshot text: {direction} {want!r} {'found' if found else 'MISSING'}")
            check(found, f"screenshot: {direction} headline {want!r} not read in the image ({path}.txt)")


def check_screenshot(path, sample):
    if not check(os.path.exists(path) and os.path.getsize(path) > 0, f"screenshot {path} missing or empty"):
        return
    width, height, channels, pixels = decode_png(path)
    expect_eq((width, height), (WIDTH, HEIGHT), "screenshot size")
    if channels < 3:
        check(False, "screenshot is greyscale")
        return
    colours = collections.Counter(zip(pixels[0::channels], pixels[1::channels], pixels[2::channels]))
    total = width * height
    top_colour, top_count = colours.most_common(1)[0]
    print(f"screenshot: {width}x{height}, {len(colours)} distinct colours, "
          f"most common {top_colour} on {100 * top_count / total:.1f}% of pixels")
    check(len(colours) >= 200, f"screenshot looks blank: only {len(colours)} distinct colours")
    check(top_count < 0.95 * total, f"screenshot looks blank: {top_colour} covers {100 * top_count / total:.1f}%")
    scale = 1 if sample else 0.05  # a real report may have one hour of traffic: markers, hardly a line
    for name, colour, minimum in (("outbound line", OUTBOUND_COLOUR, 1500 * scale),
                                  ("inbound line", INBOUND_COLOUR, 1000 * scale),
                                  ("plaintext row", PLAINTEXT_ROW_COLOUR, 5000 * scale)):
        n = colours.get(colour, 0)
        print(f"screenshot: {name} colour #{bytes(colour).hex()} on {n} pixels")
        check(n >= minimum, f"screenshot: {name} colour #{bytes(colour).hex()} on only {n} pixels (want >= {minimum})")


# ---------------------------------------------------------------- main


def chromium_command():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def run_chromium(browser, profile, url, extra, timeout=90, stderr_lines=None):
    # Root needs --no-sandbox; a fresh profile keeps runs independent. The
    # browser's stderr goes into stderr_lines when given (tlsrpt_html_test.py
    # reads the page's console messages there).
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
           "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
           "--disable-background-networking", "--disable-component-update", "--disable-dev-shm-usage",
           "--hide-scrollbars", "--force-device-scale-factor=1", "--force-color-profile=srgb"] + extra + [url]
    env = dict(os.environ, HOME=profile, XDG_CONFIG_HOME=profile, XDG_CACHE_HOME=profile)
    result = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env)
    if result.returncode != 0:
        sys.stderr.write(result.stderr.decode(errors="replace")[-4000:])
        raise RuntimeError(f"chromium exited with {result.returncode}")
    if stderr_lines is not None:
        stderr_lines.extend(result.stderr.decode(errors="replace").splitlines())
    return result.stdout.decode("utf-8")


def required():
    """scripts/test sets MXTLS_REQUIRE_BROWSER=1: there a missing browser or OCR is a failure, not a skip."""
    return os.environ.get("MXTLS_REQUIRE_BROWSER") == "1"


def render(args, page):
    """The page and its JSON: a fixed sample through the renderer, or a real log through mxtls logs."""
    if args.sample:
        subprocess.run([args.renderer, args.sample, page], check=True, timeout=60)
        with open(args.sample, encoding="utf-8") as f:
            return json.load(f)
    result = subprocess.run([args.mxtls, "logs", "--json", "--html", page] + args.log,
                            capture_output=True, check=True, timeout=60)
    return json.loads(result.stdout)


def main():
    ap = argparse.ArgumentParser()
    source = ap.add_mutually_exclusive_group(required=True)
    source.add_argument("--sample", help="JSON report, rendered with --renderer")
    source.add_argument("--log", nargs="+", help="Postfix log files, reported with --mxtls logs --json --html")
    ap.add_argument("--renderer", help="render_logs_html binary")
    ap.add_argument("--mxtls", help="mxtls binary")
    ap.add_argument("--out-dir", required=True, help="where the HTML and the screenshot are kept")
    ap.add_argument("--name", default="logs_html", help="file name stem of the page and the screenshot")
    args = ap.parse_args()
    if (args.sample and not args.renderer) or (args.log and not args.mxtls):
        ap.error("--sample needs --renderer, --log needs --mxtls")

    browser = chromium_command()
    if browser is None:
        print("chromium not installed (apt-get install chromium, or scripts/setup)")
        return 1 if required() else 77

    os.makedirs(args.out_dir, exist_ok=True)
    page = os.path.abspath(os.path.join(args.out_dir, f"{args.name}.html"))
    png = os.path.abspath(os.path.join(args.out_dir, f"{args.name}.png"))
    if os.path.exists(png):
        os.remove(png)
    report = render(args, page)
    sample = args.sample is not None
    url = "file://" + page

    with tempfile.TemporaryDirectory(prefix="mxtls-chromium-") as profile:
        dom_text = run_chromium(browser, profile, url, ["--dump-dom"])
        with open(os.path.join(args.out_dir, f"{args.name}.dom.html"), "w", encoding="utf-8") as f:
            f.write(dom_text)
        check(len(dom_text) > 1000, f"--dump-dom printed only {len(dom_text)} characters")
        check_dom(parse_dom(dom_text), report, sample)
        run_chromium(browser, profile, url, [f"--screenshot={png}", f"--window-size={WIDTH},{HEIGHT}"])
    check_screenshot(png, sample)
    check_screenshot_text(png, report)

    print(f"page: {page}\nscreenshot: {png}")
    if failures:
        print(f"FAIL: {len(failures)} problem(s)")
        for f in failures:
            print("  - " + f)
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
