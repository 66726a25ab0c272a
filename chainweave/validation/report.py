"""The validation report: a Markdown table of every target and a section per target."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

STATUS_ORDER: tuple[str, ...] = ("FAIL", "pass", "known gap", "known gap, passes now", "reported",
                                 "not measurable")
"""Statuses in the order the report counts them."""


def _number(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    value = float(value)
    if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
        return f"{value:.3g}"
    return f"{value:.4g}"


def model_value(row: Mapping[str, Any]) -> str:
    """Returns the model's value as text: mean [low, high]."""
    if not math.isfinite(row["mean"]):
        return "n/a"
    if row["ci_low"] == row["ci_high"]:
        return _number(row["mean"])
    return f"{_number(row['mean'])} [{_number(row['ci_low'])}, {_number(row['ci_high'])}]"


def _firms(n_firms: Any) -> str:
    """Returns the firm count of a design, or the scenario's when it sets none."""
    if n_firms is None or (isinstance(n_firms, float) and not math.isfinite(n_firms)):
        return "the scenario's"
    return f"{int(n_firms):,}"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def format_report(summary: pd.DataFrame, manifest: Mapping[str, Any],
                  figures: Mapping[str, str] | None = None) -> str:
    """Returns report.md: how the suite ran, the counts, the table of targets, their details.

    Args:
        summary: One row per target (`chainweave.validation.suite.summarize`).
        manifest: The run's manifest (size, seeds, executor, time).
        figures: Target id -> figure path relative to the report.
    """
    figures = figures or {}
    counts = summary["status"].value_counts()
    size = "quick (reduced firms, steps and seeds)" if manifest["quick"] else "full"
    lines = [
        "# Validation report",
        "",
        f"chainweave {manifest['chainweave_version']}; {len(summary)} targets, {size} size; seeds from "
        f"root {manifest['seed']}; {manifest['tasks']} (target, seed) tasks on {manifest['executor']} "
        f"in {manifest['wall_seconds']:.0f} s; {manifest['created']}.",
        "",
        "Values are means over seeds with their 95 % t interval; a response to a shock (marked so) is "
        "read off the mean over seeds of the shocked-minus-unshocked path, with a bootstrap interval "
        "over seeds. A target passes when its mean lies in "
        "the accepted range (rule `mean`) or its whole interval does (rule `interval`: a significant "
        "effect); `reported` figures are shown against the range without a verdict. Known gaps are "
        "targets the model is known to fail today: they are expected to fail, and the suite's exit "
        "code ignores them.",
        "",
        "Counts: " + ", ".join(f"{counts[s]} {s}" for s in STATUS_ORDER if s in counts) + ".",
        "",
    ]
    if manifest.get("baseline"):
        regressed = manifest.get("regressed", [])
        verdict = (f"**{len(regressed)} target(s) passed there and fail now: {', '.join(regressed)}**."
                   if regressed else "no target that passed there fails now.")
        lines += [f"Checked against the {manifest['baseline']} baseline (the verdicts last recorded "
                  f"on purpose): {verdict}", ""]
    lines += [
        "| id | target | source | accepted | model (95 % CI) | seeds | status |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in summary.to_dict("records"):
        source = row["citation"] + (f" ({row['seed_file']})" if row["seed_file"] else "")
        status = f"**{row['status']}**" if row["status"] == "FAIL" else row["status"]
        lines.append(f"| [{row['id']}](#{row['id']}) | {_cell(row['title'])} | {_cell(source)} | "
                     f"{row['accepted']} ({row['pass_rule']}) | {model_value(row)} | "
                     f"{row['seeds_measured']}/{row['seeds']} | {status} |")
    for group, rows in summary.groupby("group", sort=False):
        lines += ["", f"## {group}"]
        for row in rows.to_dict("records"):
            lines += [
                "", f"### {row['id']}", "",
                f"{row['title']}. **{row['status']}**: model {model_value(row)} against {row['accepted']} "
                f"(rule {row['pass_rule']}).", "",
                f"- Measures: {row['measures']}"
                + ("; read off the seeds' mean path (the shock's impulse response), interval by bootstrap "
                   "over seeds" if row.get("aggregate") == "mean path" else ""),
                f"- Source: {row['citation']}"
                + (f"; seed file {row['seed_file']}" if row["seed_file"] else ""),
                f"- Design: {row['kind']} on `{row['scenario']}`, {_firms(row['n_firms'])} firms, "
                f"{row['steps']} steps, {row['seeds']} seeds",
                f"- Why this range: {row['why']}",
            ]
            if row["gap"]:
                lines.append(f"- Known gap: {row['gap']}")
            if row["note"]:
                lines.append(f"- Note: {row['note']}")
            if row["id"] in figures:
                lines += ["", f"![{row['id']}]({figures[row['id']]})"]
    return "\n".join(lines) + "\n"
