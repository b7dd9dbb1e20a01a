//! `report --html PATH`: one self-contained HTML5 file, its charts inline
//! SVG, no script and no external asset, so it opens offline and as an
//! e-mail attachment.

use std::fmt::Write;

use super::{Report, iso};

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 180.0;
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 24.0;
const TOP_FEATURES: usize = 8;
const TOP_USERS: usize = 15;
/// Steps or bars a chart draws at most: about one per pixel pair. A
/// longer series is merged into wider steps, so that years of hourly
/// intervals stay a small file that any mail client opens.
const MAX_MARKS: usize = 380;

/// Text for HTML and XML: `&`, `<`, `>` and quotes escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

pub fn render(r: &Report, title: &str) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(title),
        escape(title)
    );
    let first = r.cells.keys().map(|(_, b)| *b).min();
    let span = match (first, r.last) {
        (Some(first), Some(last)) => format!("{} to {}", iso(first), iso(last)),
        _ => "no dated usage".to_string(),
    };
    let _ = writeln!(
        h,
        "<p class=\"sub\">{} &#183; interval {} s &#183; true denials: no checkout of the same feature by the same user and host within {} s</p>",
        escape(&span),
        r.options().interval,
        r.options().retry_window
    );
    summary(&mut h, r);
    let features = top_features(r);
    h.push_str("<h2>Licenses in use</h2>\n");
    for id in &features {
        in_use_chart(&mut h, r, *id);
    }
    h.push_str("<h2>Peak per day</h2>\n");
    for id in &features {
        peak_chart(&mut h, r, *id);
    }
    h.push_str("<h2>Denials per day</h2>\n");
    let denials: Vec<(String, f64)> = r
        .denials_per_day
        .iter()
        .map(|(d, n)| (iso(*d)[..10].to_string(), *n as f64))
        .collect();
    bars(&mut h, "All features", &denials, "denials", |a, b| a + b);
    h.push_str("<h2>When licenses are used</h2>\n");
    heat_map(&mut h, r);
    h.push_str("<h2>Top users by license-hours</h2>\n");
    top_users(&mut h, r);
    h.push_str("<p class=\"foot\">Written by liclog.</p>\n</body>\n</html>\n");
    h
}

const STYLE: &str = "body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:820px;color:#1d2733;padding:0 1em}\
h1{font-size:1.6em;margin-bottom:0}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #d5dbe3;padding-bottom:.2em}\
.sub,.foot{color:#5b6775}table{border-collapse:collapse;width:100%;font-size:13px}\
th,td{padding:4px 6px;border-bottom:1px solid #e4e8ee;text-align:right}th:first-child,td:first-child,th:nth-child(2),td:nth-child(2){text-align:left}\
th{background:#f3f5f8}td{overflow-wrap:anywhere}svg{display:block;margin:.5em 0 1.2em}svg text{font:11px system-ui,sans-serif;fill:#5b6775}\
figure{margin:0}figcaption{font-weight:600;margin-top:.6em}";

fn summary(h: &mut String, r: &Report) {
    h.push_str("<h2>Summary</h2>\n<table>\n<tr><th>Server</th><th>Feature</th><th>Sessions</th><th>License-hours</th><th>Peak</th><th>Peak at</th><th>Users</th><th>Denials</th><th>True denials</th><th>Licenses</th></tr>\n");
    for (id, t) in r.sorted_totals() {
        let (server, feature) = r.feature_name(id);
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.1}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(super::shown(server).unwrap_or("")),
            escape(feature),
            t.sessions,
            t.license_seconds / 3600.0,
            t.peak,
            t.peak_time.map(iso).unwrap_or_default(),
            t.users.len(),
            t.denials,
            t.true_denials,
            t.licenses.map(|n| n.to_string()).unwrap_or_default()
        );
    }
    h.push_str("</table>\n");
}

/// The features with the most license-hours (and any denied ones after).
fn top_features(r: &Report) -> Vec<u32> {
    let mut all: Vec<(u32, f64)> = r
        .sorted_totals()
        .into_iter()
        .filter(|(id, _)| !r.feature_name(*id).1.is_empty())
        .map(|(id, t)| (id, t.license_seconds + t.denials as f64))
        .collect();
    all.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then_with(|| r.feature_name(a.0).cmp(r.feature_name(b.0)))
    });
    all.into_iter()
        .take(TOP_FEATURES)
        .map(|(id, _)| id)
        .collect()
}

fn caption(key: &(String, String)) -> String {
    match super::shown(&key.0) {
        None => key.1.clone(),
        Some(server) => format!("{} on {server}", key.1),
    }
}

fn in_use_chart(h: &mut String, r: &Report, id: u32) {
    let key = r.feature_name(id);
    let mut points: Vec<(i64, u64)> = r
        .cells
        .iter()
        .filter(|((k, _), _)| *k == id)
        .map(|((_, b), c)| (*b, c.max))
        .collect();
    points.sort_unstable();
    let (Some(first), Some(last)) = (points.first().copied(), points.last().copied()) else {
        return;
    };
    let interval = r.options().interval;
    let spanned = ((last.0 - first.0) / interval + 1) as usize;
    let step = interval * spanned.div_ceil(MAX_MARKS).max(1) as i64;
    if step > interval {
        let mut merged: Vec<(i64, u64)> = Vec::new();
        for (b, v) in points {
            let b = b.div_euclid(step) * step;
            match merged.last_mut() {
                Some(m) if m.0 == b => m.1 = m.1.max(v),
                _ => merged.push((b, v)),
            }
        }
        points = merged;
    }
    let licenses = r.totals.get(id as usize).and_then(|t| t.licenses);
    let top = points
        .iter()
        .map(|p| p.1)
        .max()
        .unwrap_or(0)
        .max(licenses.unwrap_or(0))
        .max(1) as f64;
    let (first, last) = (points[0], points[points.len() - 1]);
    let (t0, t1) = (first.0 as f64, (last.0 + step) as f64);
    let x = |t: f64| LEFT + (t - t0) / (t1 - t0).max(1.0) * (WIDTH - LEFT - 8.0);
    let y = |v: f64| 8.0 + (1.0 - v / top) * (HEIGHT - BOTTOM - 8.0);
    let mut path = String::new();
    let mut prev = 0u64;
    let mut prev_end = None;
    for (b, v) in &points {
        // Steps: an interval's maximum across it; gaps drop to zero.
        if prev_end.is_some_and(|e| e < *b) {
            let _ = write!(
                path,
                " L{:.1},{:.1} L{:.1},{:.1}",
                x(prev_end.unwrap_or(0) as f64),
                y(0.0),
                x(*b as f64),
                y(0.0)
            );
            prev = 0;
        }
        let cmd = if path.is_empty() { "M" } else { "L" };
        let _ = write!(
            path,
            "{cmd}{:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1}",
            x(*b as f64),
            y(prev as f64),
            x(*b as f64),
            y(*v as f64),
            x((*b + step) as f64),
            y(*v as f64)
        );
        prev = *v;
        prev_end = Some(*b + step);
    }
    let per = if step > interval {
        format!(
            " <span class=\"sub\">(highest per {})</span>",
            span_text(step)
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        h,
        "<figure><figcaption>{}{per}</figcaption>",
        escape(&caption(key))
    );
    svg_open(h, HEIGHT);
    axis(
        h,
        top,
        &y,
        &iso(first.0),
        (&iso(last.0 + step), WIDTH - 8.0),
    );
    let _ = writeln!(
        h,
        "<path d=\"{path}\" fill=\"none\" stroke=\"#2f6db5\" stroke-width=\"1.5\"/>"
    );
    if let Some(n) = licenses {
        let _ = writeln!(
            h,
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#c0392b\" stroke-dasharray=\"5 4\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">licensed: {n}</text>",
            WIDTH - 8.0,
            y(n as f64),
            y(n as f64),
            WIDTH - 10.0,
            y(n as f64) - 4.0
        );
    }
    h.push_str("</svg></figure>\n");
}

fn peak_chart(h: &mut String, r: &Report, id: u32) {
    let bars_of: Vec<(String, f64)> = r
        .days_of(id)
        .into_iter()
        .map(|(d, peak, _)| (iso(d)[..10].to_string(), peak as f64))
        .collect();
    bars(
        h,
        &caption(r.feature_name(id)),
        &bars_of,
        "licenses",
        f64::max,
    );
}

/// `span_text(7200)` is `2 h`.
fn span_text(seconds: i64) -> String {
    match seconds {
        s if s % 86_400 == 0 => format!("{} d", s / 86_400),
        s if s % 3600 == 0 => format!("{} h", s / 3600),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

/// A bar chart of labelled values. More than [`MAX_MARKS`] are merged, by
/// `merge`, into bars of several consecutive values each, labelled with
/// the first one's label.
fn bars(
    h: &mut String,
    title: &str,
    values: &[(String, f64)],
    unit: &str,
    merge: fn(f64, f64) -> f64,
) {
    let per = values.len().div_ceil(MAX_MARKS).max(1);
    let merged: Vec<(String, f64)>;
    let values = if per > 1 {
        merged = values
            .chunks(per)
            .map(|c| {
                (
                    c[0].0.clone(),
                    c.iter().map(|v| v.1).reduce(merge).unwrap_or(0.0),
                )
            })
            .collect();
        &merged[..]
    } else {
        values
    };
    let per_text = if per > 1 {
        format!(" <span class=\"sub\">(each bar: {per} days with data)</span>")
    } else {
        String::new()
    };
    let _ = writeln!(
        h,
        "<figure><figcaption>{}{per_text}</figcaption>",
        escape(title)
    );
    if values.is_empty() {
        h.push_str("<p class=\"sub\">None.</p></figure>\n");
        return;
    }
    let top = values.iter().map(|v| v.1).fold(1.0_f64, f64::max);
    let y = |v: f64| 8.0 + (1.0 - v / top) * (HEIGHT - BOTTOM - 8.0);
    svg_open(h, HEIGHT);
    // A few bars stay bar-shaped rather than filling the width.
    let step = ((WIDTH - LEFT - 8.0) / values.len() as f64).min(36.0);
    let last = if values.len() > 1 {
        &values[values.len() - 1].0[..]
    } else {
        ""
    };
    // Far enough from the first label not to overlap it.
    let end = (LEFT + values.len() as f64 * step).max(LEFT + 200.0);
    axis(h, top, &y, &values[0].0, (last, end));
    for (i, (label, v)) in values.iter().enumerate() {
        let _ = writeln!(
            h,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#2f6db5\"><title>{}: {} {unit}</title></rect>",
            LEFT + i as f64 * step + step * 0.1,
            y(*v),
            (step * 0.8).max(0.5),
            (HEIGHT - BOTTOM) - y(*v),
            escape(label),
            v
        );
    }
    h.push_str("</svg></figure>\n");
}

fn svg_open(h: &mut String, height: f64) {
    let _ = writeln!(
        h,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" role=\"img\">"
    );
}

/// The value axis (0 and the top) and the first and last time labels.
/// The axes, the top value, and the first and last labels (`to` ending at `to_x`).
fn axis(h: &mut String, top: f64, y: &dyn Fn(f64) -> f64, from: &str, (to, to_x): (&str, f64)) {
    let base = HEIGHT - BOTTOM;
    let _ = writeln!(
        h,
        "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{base}\" y2=\"{base}\" stroke=\"#aab4c0\"/>\
         <line x1=\"{LEFT}\" x2=\"{LEFT}\" y1=\"8\" y2=\"{base}\" stroke=\"#aab4c0\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{top}</text>\
         <text x=\"{:.1}\" y=\"{base}\" text-anchor=\"end\">0</text>\
         <text x=\"{LEFT}\" y=\"{:.1}\">{}</text>\
         <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
        WIDTH - 8.0,
        LEFT - 4.0,
        y(top) + 4.0,
        LEFT - 4.0,
        HEIGHT - 6.0,
        escape(from),
        to_x,
        HEIGHT - 6.0,
        escape(to)
    );
}

fn heat_map(h: &mut String, r: &Report) {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let top = r.heat.iter().flatten().copied().fold(0.0_f64, f64::max);
    let (cell, height) = ((WIDTH - LEFT - 8.0) / 24.0, 7.0 * 20.0 + 24.0);
    h.push_str(
        "<figure><figcaption>License-hours by weekday and hour, all features</figcaption>\n",
    );
    svg_open(h, height);
    for (d, row) in r.heat.iter().enumerate() {
        let _ = write!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            LEFT - 4.0,
            d as f64 * 20.0 + 14.0,
            DAYS[d]
        );
        for (hour, v) in row.iter().enumerate() {
            let share = if top > 0.0 { v / top } else { 0.0 };
            let _ = write!(
                h,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"18\" fill=\"#2f6db5\" fill-opacity=\"{:.3}\" stroke=\"#e4e8ee\"><title>{} {hour:02}:00: {:.1} license-hours</title></rect>",
                LEFT + hour as f64 * cell,
                d as f64 * 20.0,
                cell,
                0.04 + 0.96 * share,
                DAYS[d],
                v / 3600.0
            );
        }
        h.push('\n');
    }
    for hour in (0..24).step_by(3) {
        let _ = write!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\">{hour:02}h</text>",
            LEFT + hour as f64 * cell,
            7.0 * 20.0 + 16.0
        );
    }
    h.push_str("\n</svg></figure>\n");
}

fn top_users(h: &mut String, r: &Report) {
    let users = r.top_users(TOP_USERS);
    if users.is_empty() {
        h.push_str("<p class=\"sub\">None.</p>\n");
        return;
    }
    let top = users[0].1.max(1.0);
    let height = users.len() as f64 * 20.0 + 8.0;
    svg_open(h, height);
    for (i, (user, s)) in users.iter().enumerate() {
        let w = s / top * (WIDTH - 260.0);
        let _ = writeln!(
            h,
            "<text x=\"196\" y=\"{:.1}\" text-anchor=\"end\">{}</text><rect x=\"200\" y=\"{:.1}\" width=\"{w:.1}\" height=\"14\" fill=\"#2f6db5\"/><text x=\"{:.1}\" y=\"{:.1}\">{:.1} h</text>",
            i as f64 * 20.0 + 15.0,
            escape(user),
            i as f64 * 20.0 + 4.0,
            204.0 + w,
            i as f64 * 20.0 + 15.0,
            s / 3600.0
        );
    }
    h.push_str("</svg>\n");
}
