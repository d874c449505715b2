"""Render a report as one self-contained HTML page: inline CSS and SVG charts, no CDN."""

from __future__ import annotations

from html import escape
from typing import Any

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;
color:#1f2933;padding:0 1rem}h1{font-size:1.6rem;margin:.2rem 0}
h2{font-size:1.15rem;margin:1.6rem 0 .5rem}
.meta{color:#52606d}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:1rem}
.card{border:1px solid #d9e2ec;border-radius:8px;padding:.8rem 1rem;background:#fff}
table{border-collapse:collapse;width:100%}
td,th{padding:.3rem .5rem;white-space:nowrap;border-bottom:1px solid #eef2f6;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}.ok{color:#137333}.bad{color:#b3261e}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;border-radius:2px}
"""
_ANON, _RAW = "#3b6fd8", "#b8c4d6"
_TOP = 12


def _fmt(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "share":
        return f"{100 * value:.2f} %"
    if unit == "days":
        return f"{value:,.1f} days ({value / 365.2425:.2f} years)"
    if isinstance(value, float):
        return f"{value:,.4g}"
    if isinstance(value, list):
        return ", ".join(f"{escape(str(r['key']))} ({r['users']:,})" for r in value) or "—"
    return f"{value:,}" if isinstance(value, int) else escape(str(value))


def _verdict(entry: dict[str, Any]) -> str:
    if "match" not in entry:
        return ""
    return (
        '<span class="ok">✓ same</span>' if entry["match"] else '<span class="bad">≠ differs</span>'
    )


def _bars(entry: dict[str, Any]) -> str:
    anon: dict[str, int] = entry["anonymized"] or {}
    raw: dict[str, int] = entry.get("raw") or {}
    keys = list(anon)[:_TOP]
    if not keys:
        return "<p class=meta>no data</p>"
    peak = max([anon[k] for k in keys] + [raw.get(k, 0) for k in keys]) or 1
    row_h, label_w, width = 22, 150, 330
    parts = [
        f'<svg width="100%" viewBox="0 0 {label_w + width + 70} {row_h * len(keys) + 4}" '
        f'role="img" aria-label="{escape(entry["title"])}">'
    ]
    for i, key in enumerate(keys):
        y = i * row_h + 2
        w_anon = width * anon[key] / peak
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" font-size="12">'
            f"{escape(str(key))[:24]}</text>"
        )
        if raw:
            parts.append(
                f'<rect x="{label_w}" y="{y + 1}" width="{width * raw.get(key, 0) / peak:.1f}" '
                f'height="{row_h - 4}" fill="{_RAW}"/>'
            )
        parts.append(
            f'<rect x="{label_w}" y="{y + 5}" width="{w_anon:.1f}" height="{row_h - 12}" '
            f'fill="{_ANON}"/>'
        )
        parts.append(
            f'<text x="{label_w + w_anon + 6}" y="{y + 14}" font-size="11">{anon[key]:,}</text>'
        )
    parts.append("</svg>")
    more = len(anon) - len(keys)
    tail = f'<p class="meta">and {more} more</p>' if more > 0 else ""
    return "".join(parts) + tail


def render_html(report: dict[str, Any]) -> str:
    """The report as a complete HTML document."""
    qs = report["questions"]
    has_raw = any("raw" in q for q in qs)
    head_raw = '<th class="num">raw batch</th><th></th>' if has_raw else ""
    rows = []
    for q in qs:
        if q["kind"] == "distribution":
            continue
        raw = (
            f'<td class="num">{_fmt(q.get("raw"), q["unit"])}</td><td>{_verdict(q)}</td>'
            if has_raw
            else ""
        )
        note = f'<div class="meta">{escape(q["note"])}</div>' if q.get("note") else ""
        rows.append(
            f"<tr><td>{escape(q['title'])}{note}</td>"
            f'<td class="num">{_fmt(q["anonymized"], q["unit"])}</td>{raw}</tr>'
        )
    cards = [
        f'<div class="card"><h2>{escape(q["title"])} {_verdict(q)}</h2>{_bars(q)}</div>'
        for q in qs
        if q["kind"] == "distribution"
    ]
    legend = (
        f'<p class="legend"><span style="background:{_ANON}"></span>anonymized output'
        f'<span style="background:{_RAW}"></span>raw batch (in memory during the run)</p>'
        if has_raw
        else ""
    )
    meta = report.get("run", {})
    subtitle = " · ".join(
        escape(str(x))
        for x in (
            f"{report.get('rows', 0):,} {report.get('rows_are', 'users')}",
            f"policy {report.get('policy', {}).get('name', '?')}",
            f"reference date {report.get('reference_date', '?')}",
            f"version {meta.get('version_id', '?')}",
        )
    )
    verdict = ""
    if report.get("all_match") is not None:
        verdict = (
            '<p class="ok">Every answer on the anonymized output matches the raw batch.</p>'
            if report["all_match"]
            else '<p class="bad">Some answers differ from the raw batch: see below.</p>'
        )
    note = f'<p class="meta">{escape(report["note"])}</p>' if report.get("note") else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>veil report</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>{_CSS}</style></head>
<body><h1>veil report</h1><p class="meta">{subtitle}</p>{verdict}{note}
<h2>Answers</h2><table><tr><th>question</th><th class="num">anonymized</th>{head_raw}</tr>
{"".join(rows)}</table>
<h2>Distributions</h2>{legend}<div class="grid">{"".join(cards)}</div>
</body></html>
"""
