"""The instructor's report: how the class did per assignment and per question, as PNGs in one HTML page."""
from __future__ import annotations

import html
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ..status import Status  # noqa: E402
from .tables import read  # noqa: E402


def score_distribution(grades: list[dict[str, str]], path: Path) -> None:
    """One histogram of total scores (as % of the maximum) per assignment."""
    by_assignment: dict[str, list[float]] = defaultdict(list)
    for row in grades:
        if float(row["max_score"]) > 0:
            by_assignment[row["assignment"]].append(100 * float(row["score"]) / float(row["max_score"]))
    names = sorted(by_assignment)
    fig, axes = plt.subplots(1, max(len(names), 1), figsize=(3.2 * max(len(names), 1), 3), squeeze=False)
    for ax, name in zip(axes[0], names):
        ax.hist(by_assignment[name], bins=10, range=(0, 100), color="tab:blue", edgecolor="white")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("score (% of maximum)")
        ax.set_ylabel("students")
    fig.suptitle("Score distribution per assignment")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def pass_rates(questions: list[dict[str, str]], path: Path) -> None:
    """Bar chart: share of submissions with full points on each auto-graded test cell."""
    full: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for row in questions:
        if row["grade_id"].startswith("test_"):
            full[(row["assignment"], row["grade_id"])].append(float(row["score"]) >= float(row["max_score"]))
    keys = sorted(full)
    fig, ax = plt.subplots(figsize=(max(6, 0.28 * len(keys) + 2), 4))
    rates = [100 * sum(full[k]) / len(full[k]) for k in keys]
    colors = [f"C{sorted({a for a, _ in keys}).index(a)}" for a, _ in keys]
    ax.bar(range(len(keys)), rates, color=colors)
    ax.set_xticks(range(len(keys)), [f"{a[:2]}:{g[5:]}" for a, g in keys], rotation=90, fontsize=7)
    ax.set_ylim(0, 100)
    ax.set_xlabel("test cell (assignment:grade_id)")
    ax.set_ylabel("submissions with full points (%)")
    ax.set_title("Pass rate per question")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_report(reports: Path) -> Path:
    """Draw both figures from the CSVs and write reports/index.html with them and the rows needing attention."""
    grades, questions = read(reports / "grades.csv"), read(reports / "questions.csv")
    score_distribution(grades, reports / "score_distribution.png")
    pass_rates(questions, reports / "pass_rates.png")
    attention = [r for r in grades if r["status"] != Status.OK or r["flags"]]
    rows = "\n".join(f"<tr><td>{html.escape(r['student'])}</td><td>{html.escape(r['assignment'])}</td>"
                     f"<td>{html.escape(r['status'])}</td><td>{html.escape(r['flags'])}</td></tr>" for r in attention)
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Grading report</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:auto}}td,th{{border:1px solid #ccc;padding:4px}}
table{{border-collapse:collapse}}</style></head><body>
<h1>Grading report</h1>
<p>{len(grades)} submissions, {sum(r['status'] == Status.OK for r in grades)} graded normally.</p>
<h2>Scores</h2><img src="score_distribution.png" alt="score distribution per assignment">
<h2>Questions</h2><img src="pass_rates.png" alt="pass rate per question">
<h2>Submissions needing attention (status or flags)</h2>
<table><tr><th>student</th><th>assignment</th><th>status</th><th>flags</th></tr>
{rows}
</table></body></html>
"""
    index = reports / "index.html"
    index.write_text(page)
    return index
