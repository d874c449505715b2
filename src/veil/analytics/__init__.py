"""Analytics over the anonymized zone: the built-in report questions, JSON and HTML."""

from veil.analytics.html import render_html
from veil.analytics.questions import QUESTIONS
from veil.analytics.reports import RawCube, anonymized_cube, build_report

__all__ = ["QUESTIONS", "RawCube", "anonymized_cube", "build_report", "render_html"]
