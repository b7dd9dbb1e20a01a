#!/usr/bin/env python3
"""Renders a `liclog report --html` file in headless Chromium, offline, and
checks what a reader would see: every chart drawn (each figure's SVG has a
size on the page), the page no wider than the window, and the chart colour
on screen. Also keeps a PNG of the page beside the report.

    browser_check.py REPORT.html...   (needs chromium and pillow)"""
import json
import os
import subprocess
import sys
import tempfile

from PIL import Image

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--window-size=1000,4000",
]

# Run after the page has laid itself out: the size of every chart, and the page's width.
PROBE = """
<script>
addEventListener('load', () => {
  const boxes = [...document.querySelectorAll('figure svg')].map(s => {
    const r = s.getBoundingClientRect(); return [Math.round(r.width), Math.round(r.height)]; });
  document.title = JSON.stringify({boxes, width: document.documentElement.scrollWidth});
});
</script>
"""


def chromium(args, profile):
    return subprocess.run(["chromium", *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


for path in sys.argv[1:]:
    with tempfile.TemporaryDirectory() as tmp:
        # A copy with the probe: the report itself has no script, and keeps none.
        probed = os.path.join(tmp, "probed.html")
        with open(path, encoding="utf-8") as f, open(probed, "w", encoding="utf-8") as out:
            out.write(f.read().replace("</body>", PROBE + "</body>"))
        dom = chromium(["--dump-dom", f"file://{probed}"], os.path.join(tmp, "p1")).stdout
        start = dom.index("<title>") + len("<title>")
        seen = json.loads(dom[start:dom.index("</title>")].replace("&quot;", '"'))
        assert seen["boxes"], f"{path}: no chart on the page"
        for w, h in seen["boxes"]:
            assert w > 300 and h > 50, f"{path}: a chart drawn at {w}x{h} px"
        assert seen["width"] <= 1000, f"{path}: the page is {seen['width']} px wide in a 1000 px window"
        png = path + ".png"
        chromium([f"--screenshot={png}", f"file://{os.path.abspath(path)}"], os.path.join(tmp, "p2"))
    image = Image.open(png).convert("RGB")
    # The charts' blue (#2f6db5), anti-aliased: reddish and greenish low, blue high.
    colours = image.getcolors(1 << 24)
    blue = sum(n for n, (r, g, b) in colours if b > 150 and r < 90 and 80 < g < 140)
    assert blue > 2000, f"{path}: only {blue} chart-coloured pixels on screen"
    print(f"browser: {path}: {len(seen['boxes'])} charts laid out, page {seen['width']} px wide, "
          f"{blue} chart pixels on screen ({png})")
