#!/usr/bin/env python3
"""Checks a `liclog report --html` file: it parses as HTML5 without a single
parse error (html5lib, strict), every inline SVG is well-formed XML, and
nothing is fetched from elsewhere (no script, link, src or url()).

    html_check.py REPORT.html..."""
import re
import sys
import xml.etree.ElementTree as ET

import html5lib

for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read()
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(text)
    svgs = re.findall(r"<svg\b.*?</svg>", text, re.S)
    assert svgs, f"{path}: no SVG chart"
    for svg in svgs:
        ET.fromstring(svg)
    for banned in ("<script", "<link", " src=", "url("):
        assert banned not in text, f"{path}: {banned!r} (the report must be self-contained)"
    print(f"html: {path}: HTML5, {len(svgs)} well-formed SVG charts, self-contained")
