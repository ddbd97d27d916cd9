"""The one line a user reads first — built only from numbers shown in the table, so it can be checked.

Pick: the fastest result on the Pareto front under the user's limits (the front already
drops anything that breaks a limit or is beaten on both speed and accuracy). Its line names
both precision axes, device and settings, then speed, accuracy and size relative to the
baseline, e.g. "INT8 weights · bf16 compute on CPU, throughput hint: 1.41× FP32·bf16 FPS,
top-1 −0.2 pts, 3.9× smaller". A result of a remote target names it ("on CPU on edge-box"), and a
ratio between two machines is called a cross-machine ratio.

A speed-up is only credited to a weight precision when both sides were computed in the same
precision on the same device with the same settings: against a baseline that differs in more
than one of these, the line quotes the like-for-like result instead (or says the ratio mixes
them), and a gain within noise between results computed alike is called what it is.
"""

from __future__ import annotations

from typing import Any

from core.compare.pareto import Limits
from core.compare.ratios import (differences, like_for_like_reference, mixes, noise_band, points, ratio,
                                 ratios_to_baseline, times, within_noise)
from core.compare.selection import Entry

SHORT_METRIC = {"top1": "top-1", "top5": "top-5", "top1_agreement": "top-1 agreement", "cosine": "cosine similarity"}


def _size_text(reduction: float | None) -> str | None:
    if reduction is None:
        return None
    if 0.97 <= reduction <= 1.03:
        return "same size"
    return f"{times(reduction)} smaller" if reduction > 1 else f"{times(1 / reduction)} larger"


def speed_text(entry: Entry, baseline: Entry, entries: list[Entry] | None = None) -> str | None:
    """The speed claim against the baseline, credited only to what actually differs."""
    speedup = ratio(entry.throughput, baseline.throughput)
    if speedup is None:
        return None
    diff = differences(entry, baseline)
    mixed = mixes(diff)
    if not mixed:
        text = f"{times(speedup)} {baseline.precision_key} FPS"
        if set(diff) == {"weights"} and within_noise(entry, baseline):
            text += (f" (computed alike in {entry.compute_precision}: no {entry.weight_precision} gain beyond noise, "
                     f"±{noise_band(entry, baseline):.0%})")
        elif set(diff) == {"compute"}:
            text += (f" (same {entry.weight_precision} weights: the difference is {entry.compute_precision} vs "
                     f"{baseline.compute_precision} compute, not the IR)")
        elif set(diff) == {"machine"}:
            text = (f"{times(speedup)} the FPS of the same run on {baseline.target} (a cross-machine ratio, "
                    f"{diff['machine']}: the difference is the machine, not the IR)")
        return text
    reference = like_for_like_reference(entry, baseline, entries or [])
    caveat = f"{times(speedup)} against the baseline {baseline.precision_key}, a ratio that {'; '.join(mixed)}"
    if reference is None:
        return (f"{times(speedup)} {baseline.precision_key} FPS, but the ratio {'; '.join(mixed)}"
                " — the speed-up is not the IR's doing alone")
    text = f"{times(ratio(entry.throughput, reference.throughput))} {reference.precision_key} FPS (like for like, #{reference.result_id}"
    if set(differences(entry, reference)) == {"weights"} and within_noise(entry, reference):
        text += f"; computed alike: no {entry.weight_precision} gain beyond noise, ±{noise_band(entry, reference):.0%}"
    return text + f"; {caveat})"


def describe_against(entry: Entry, baseline: Entry, latency_stat: str = "median",
                     entries: list[Entry] | None = None) -> str:
    r = ratios_to_baseline(entry, baseline, latency_stat)
    parts = []
    speed = speed_text(entry, baseline, entries)
    if speed is not None:
        parts.append(speed)
    latency = entry.latency(latency_stat)
    if latency is not None:
        parts.append(f"{latency_stat} latency {latency:.2f} ms")
    if r["accuracy_change_pts"] is not None and entry.accuracy is not None:
        accuracy = f"{SHORT_METRIC.get(entry.accuracy.metric, entry.accuracy.metric)} {points(r['accuracy_change_pts'])}"
        if entry.accuracy.fallback_for:  # an f32 figure on a reduced-compute row: never passed off as its own
            accuracy += f" ({entry.accuracy.note})"
        parts.append(accuracy)
    elif entry.accuracy is None:
        parts.append("accuracy not measured")
    size = _size_text(r["size_reduction"])
    if size:
        parts.append(size)
    return ", ".join(parts)


def headline_of(entry: Entry) -> str:
    return f"{entry.precision_label} on {entry.where}, {entry.settings_text}"


def recommend(entries: list[Entry], baseline: Entry, front: list[int], limits: Limits,
              violations: dict[int, list[str]], unplaced: set[int] | None = None) -> dict[str, Any]:
    """`unplaced`: results within the limits that have no comparable accuracy figure, so they
    cannot be on the front; a faster one is named, so the user knows what to measure next."""
    by_id = {e.result_id: e for e in entries}
    stat = limits.latency_stat
    if not front:
        closest = min(entries, key=lambda e: len(violations.get(e.result_id, [])))
        why = "; ".join(violations.get(closest.result_id, []))
        return {
            "result_id": None,
            "text": f"No result meets {limits.describe()}. Closest: {headline_of(closest)} (#{closest.result_id}): {why}.",
        }
    best = by_id[front[0]]
    if best.result_id == baseline.result_id:
        others = len(entries) - 1
        text = (f"{headline_of(best)}: the baseline itself is the best choice under {limits.describe()} "
                f"(none of the {others} other result{'s' if others != 1 else ''} is faster on the front).")
    else:
        text = f"{headline_of(best)}: {describe_against(best, baseline, stat, entries)}."
    faster_unmeasured = [e for e in entries if e.result_id in (unplaced or set())
                         and (e.throughput or 0) > (best.throughput or 0)]
    if faster_unmeasured:
        quickest = max(faster_unmeasured, key=lambda e: e.throughput or 0)
        text += (f" (#{quickest.result_id} {headline_of(quickest)} is faster, but its accuracy is not measured in "
                 f"the same metric: measure it to weigh it in.)")
    alternatives = [f"#{key} {headline_of(by_id[key])}" for key in front[1:3]]
    return {"result_id": best.result_id, "text": text,
            "alternatives": alternatives, "limits": limits.describe()}
