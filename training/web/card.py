"""What the model card shows, in words and as a chart, built from a version's stored facts.

Nothing here reads the database or opens a model: the view passes the selector's `ModelCard`, and
this module turns it into sentences, table rows and the learning-curve chart's geometry (an SVG
drawn by the template, with presentation attributes only, so the Content-Security-Policy holds).
"""
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from training.ml import fit_learning_curve

# Krippendorff's own reading of alpha: >= 0.8 reliable, >= 0.667 enough for tentative conclusions.
ALPHA_WORDS = ((0.8, "agree well"), (0.667, "agree acceptably"), (0.4, "agree only moderately"))
VERDICT_WORDS = {"better": "better", "worse": "worse", "unchanged": "unchanged", "untested": "not compared"}


def criterion_rows(model, names: dict[str, str]) -> list[dict]:
    """One row per criterion: MAE of the new model, baseline and previous model, with the verdicts."""
    metrics, compared = model.metrics or {}, (model.comparison or {}).get("criteria") or {}
    new, base, active = metrics.get("new") or {}, metrics.get("baseline") or {}, metrics.get("active") or {}
    rows = []
    for key in new:
        comparison = compared.get(key) or {}
        rows.append({
            "criterion": names.get(str(key), str(key)), "new": new[key], "baseline": base.get(key),
            "active": active.get(key), "vs_baseline": _verdict(comparison.get("vs_baseline")),
            "vs_active": _verdict(comparison.get("vs_active")),
        })
    return rows


def summary_sentences(*, card, client_name: str, names: dict[str, str], now: datetime) -> dict:
    """The card's opening answer: can it learn the client's taste, and what more would take."""
    model, snapshot = card.model, card.model.dataset_snapshot or {}
    rows = criterion_rows(model, names)
    criteria = [names.get(str(key), str(key)) for key in snapshot.get("criteria", [])]
    return {
        "verdict": _learning_verdict(rows),
        "trained_on": (
            f"Trained on {snapshot.get('creative_count', 0)} of {client_name}'s creatives with "
            f"{snapshot.get('label_count', 0)} clean ratings from {snapshot.get('raters', 0)} raters, "
            f"toward {_join(criteria) or 'no criteria'}."
        ),
        "recency": _recency(model.created_at, snapshot.get("date_from"), snapshot.get("date_to"), now),
        "agreement": _agreement(snapshot.get("agreement") or {}, names),
        "performance": [_performance(row) for row in rows],
        "decision": _decision(card),
        "readiness": readiness_sentence(model.readiness or {}, ratings_per_day=card.ratings_per_day, now=now),
    }


def readiness_sentence(readiness: dict, *, ratings_per_day: float, now: datetime) -> str:
    """Labels to the target error, in rater hours and a date at the recent pace, or why it cannot be said."""
    if not readiness:
        return "Readiness was not estimated for this version (its learning curve was not computed)."
    target = readiness.get("target_mae")
    if readiness.get("labels_needed") is None:
        return f"How many labels would reach a held-out error of {target} points cannot be estimated yet: " \
               f"{readiness.get('reason', 'no reason stored')}."
    extra = int(readiness.get("extra_labels") or 0)
    if extra == 0:
        return f"It already reaches the target held-out error of {target} points with the labels it has."
    text = (f"To reach a held-out error of {target} points it needs about {readiness['labels_needed']} clean "
            f"labels: {extra} more, about {readiness.get('extra_creatives')} creatives at "
            f"{readiness.get('overlap')} raters each")
    seconds = readiness.get("median_seconds_per_rating")
    if seconds:
        text += f", or about {readiness.get('rater_hours')} rater hours at the median {seconds:.1f} s per rating"
    else:
        text += " (rater hours cannot be estimated: no rating durations were measured)"
    if ratings_per_day > 0:
        days = math.ceil(extra / ratings_per_day)
        when = (now + timedelta(days=days)).date().isoformat()
        text += (f". At the last 14 days' pace of {ratings_per_day:.1f} ratings a day, if they come out clean, "
                 f"that is about {days} days: around {when}.")
    else:
        text += ". No date can be given: there were no ratings in the last 14 days."
    return text


@dataclass
class Chart:
    """Geometry of the learning-curve SVG in its viewBox (WIDTH x HEIGHT)."""

    points: list[dict] = field(default_factory=list)  # {"x", "y", "n", "mae"}
    fit: str = ""  # polyline points of the fitted curve
    target_y: float | None = None
    target: float | None = None
    x_ticks: list[dict] = field(default_factory=list)  # {"x", "label"}
    y_ticks: list[dict] = field(default_factory=list)  # {"y", "label"}
    fit_formula: str = ""


WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 40, 60


def learning_curve_chart(curve: list[dict], target: float | None) -> Chart | None:
    """Measured points, the power-law fit the readiness estimate uses, and the target error line."""
    measured = [(int(p["n_labels"]), float(p["mae"])) for p in curve if p.get("mae") is not None
                and math.isfinite(float(p["mae"]))]
    if not measured:
        return None
    params = fit_learning_curve(measured)
    x_max = max(n for n, _ in measured) * 1.1
    y_max = max([m for _, m in measured] + ([target] if target else [])) * 1.15 or 1.0
    x_step, y_step = _nice_step(x_max), _nice_step(y_max)
    x_max, y_max = math.ceil(x_max / x_step) * x_step, math.ceil(y_max / y_step) * y_step

    def sx(n: float) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * n / x_max

    def sy(mae: float) -> float:
        return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * min(max(mae, 0.0), y_max) / y_max

    chart = Chart(
        points=[{"x": round(sx(n), 1), "y": round(sy(m), 1), "n": n, "mae": round(m, 3)} for n, m in measured],
        x_ticks=[{"x": round(sx(v), 1), "label": _tick(v)} for v in _ticks(x_max, x_step)],
        y_ticks=[{"y": round(sy(v), 1), "label": _tick(v)} for v in _ticks(y_max, y_step)],
    )
    if target is not None and 0 < target <= y_max:
        chart.target, chart.target_y = target, round(sy(target), 1)
    if params is not None:
        a, b, c = params
        start = min(n for n, _ in measured)
        xs = [start + (x_max - start) * i / 60 for i in range(61)]
        chart.fit = " ".join(f"{sx(x):.1f},{sy(a * x ** -b + c):.1f}" for x in xs)
        chart.fit_formula = f"MAE ≈ {a:.3g}·n^-{b:.3g} + {c:.3g}"
    return chart


def _verdict(comparison: dict | None) -> dict | None:
    if not comparison:
        return None
    relative = comparison.get("relative")
    return {**comparison, "word": VERDICT_WORDS.get(comparison.get("verdict"), comparison.get("verdict")),
            "percent": None if relative is None else round(relative * 100, 1)}


def _learning_verdict(rows: list[dict]) -> str:
    judged = [row for row in rows if row["vs_baseline"] and row["vs_baseline"]["verdict"] != "untested"]
    if not judged:
        judged_old = [row for row in rows if row["baseline"] and row["new"].get("mae") is not None]
        better = [row for row in judged_old if row["new"]["mae"] < row["baseline"]["mae"]]
        total = len(judged_old)
    else:
        better = [row for row in judged if row["vs_baseline"]["verdict"] == "better"]
        total = len(judged)
    if total and len(better) == total:
        return f"Yes: it has learned something of your taste on all {total} criteria - it beats guessing the average."
    if better:
        return (f"Partly: it beats guessing the average on {len(better)} of {total} criteria "
                f"({_join([row['criterion'] for row in better])}).")
    return "Not yet: on no criterion does it beat guessing the average rating."


def _performance(row: dict) -> str:
    new, base = (row["new"] or {}).get("mae"), (row["baseline"] or {}).get("mae")
    name = row["criterion"]
    if new is None or not base:
        return f"{name}: not enough held-out ratings to say."
    relative = (new - base) / base
    sense = f"{abs(relative):.0%} closer to the ratings than" if relative < 0 else f"{abs(relative):.0%} further " \
            f"from the ratings than"
    text = f"Predicts {name} {sense} guessing the average (off by {new:.2f} points on average, against {base:.2f})"
    verdict = row["vs_baseline"]
    if verdict and verdict["verdict"] == "worse":
        text += " - worse than the baseline beyond the margin"
    return text + "."


def _decision(card) -> str:
    model = card.model
    if model.override_reason:
        who = card.overridden_by or "a manager"
        when = model.overridden_at.strftime("%Y-%m-%d %H:%M") if model.overridden_at else ""
        return (f"Promoted by {who} on {when} against the rule, with the reason: \u201c{model.override_reason}\u201d. "
                f"The rule had said: {model.reason}")
    state = "It is the active model." if model.is_active else (
        "It was promoted, and a later version replaced it." if model.promoted else "It was not promoted.")
    return f"{state} {model.reason[:1].upper()}{model.reason[1:]}" if model.reason else state


def _recency(created_at: datetime | None, date_from: str | None, date_to: str | None, now: datetime) -> str:
    if created_at is None:
        return ""
    age = now - created_at
    text = f"Trained {_duration(age)} ago ({created_at:%Y-%m-%d})"
    if date_from and date_to:
        text += f", on ratings submitted from {date_from[:10]} to {date_to[:10]}"
    return text + "."


def _agreement(agreement: dict, names: dict[str, str]) -> str:
    known = [(names.get(str(key), str(key)), alpha) for key, alpha in agreement.items() if alpha is not None]
    if not known:
        return "Agreement between raters was not measured when it was trained."
    lowest = min(alpha for _, alpha in known)
    word = next((w for limit, w in ALPHA_WORDS if lowest >= limit), "agree poorly")
    parts = ", ".join(f"{name} {alpha:.2f}" for name, alpha in known)
    return f"Raters {word} on what they were asked (Krippendorff's alpha: {parts})."


def _duration(delta: timedelta) -> str:
    seconds = max(delta.total_seconds(), 0)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "less than a minute"


def _join(words: list[str]) -> str:
    if not words:
        return ""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + (f" and {words[-1]}" if words else "")


def _nice_step(span: float) -> float:
    raw = span / 5
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def _ticks(top: float, step: float) -> list[float]:
    return [i * step for i in range(int(round(top / step)) + 1)]


def _tick(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}".rstrip("0")
