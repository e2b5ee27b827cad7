"""The metric names and label matchers a PromQL expression uses, for checking dashboards and
alert rules against what the processes export. Not a PromQL parser: it reads the parts of the
language our expressions use (selectors, aggregations with by/without, binary operators with
on/ignoring, functions, range and Grafana's $variables)."""

import re
from dataclasses import dataclass

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_STRING = r'"(?:[^"\\]|\\.)*"'
# A selector's matchers: {job="x", state=~"A|B"}, after an optional metric name.
_SELECTOR = re.compile(rf"({_NAME})?\s*\{{([^}}]*)\}}")
_MATCHER = re.compile(rf"\s*({_NAME})\s*(=~|!~|!=|=)\s*({_STRING})\s*,?")
# Clauses whose parentheses hold label names, not expressions.
_LABEL_LIST = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and",
             "or", "unless", "offset", "inf", "nan"}
# An identifier not inside a number (1e3) nor a $variable, and not a function (followed by "(").
_IDENTIFIER = re.compile(rf"(?<![\w.$]){_NAME}(?![\w(])(?!\s*\()")
# Grafana's label_values(METRIC, LABEL) in a template variable's query.
_LABEL_VALUES = re.compile(rf"^\s*label_values\(\s*(.*?)\s*,\s*({_NAME})\s*\)\s*$")


@dataclass(frozen=True)
class Matcher:
    metric: str | None  # None: a selector without a metric name
    label: str
    op: str
    value: str


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def matchers(expr: str) -> list[Matcher]:
    found = []
    for selector in _SELECTOR.finditer(expr):
        body = selector[2]
        for m in _MATCHER.finditer(body):
            found.append(Matcher(selector[1], m[1], m[2], _unquote(m[3])))
        if _MATCHER.sub("", body).strip():
            raise ValueError(f"unreadable matchers {{{body}}} in {expr!r}")
    return found


def metric_names(expr: str) -> set[str]:
    """The metric names an expression (or a label_values() query) selects."""
    values_query = _LABEL_VALUES.match(expr)
    if values_query:
        expr = values_query[1]
    text = re.sub(_STRING, "", expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = _LABEL_LIST.sub(" ", text)
    return {name for name in _IDENTIFIER.findall(text) if name.lower() not in _KEYWORDS}
