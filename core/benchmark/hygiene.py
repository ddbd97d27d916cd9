"""Was the machine quiet while we measured? Load and other processes' CPU time, and a verdict.

A number measured beside other work is not the model's number. Every benchmark and profile
samples the machine before and after its measurement: the load average, and the CPU time all
processes spent (from /proc/stat) minus what this process spent, i.e. what *others* took from
the cores we measured on. The verdict (`noisy`) says in words why a result should not be
trusted; it never hides the number.

Rules (stated, so users can judge them):
- others used more than OTHER_CPU_LIMIT of the machine's CPU time during the measurement
  (judged on measurements of at least MIN_WALL_S: /proc/stat counts in 10 ms ticks);
- the 1-minute load average before or after the run is above LOAD_FACTOR x the threads we used
  (plus one), i.e. well more runnable work than our own threads;
- the FPS of the repeats varies by more than FPS_CV_LIMIT_PERCENT (coefficient of variation);
- (profiles) the total time per inference varies by more than TOTAL_SPREAD_LIMIT between runs.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

OTHER_CPU_LIMIT = 0.15
LOAD_FACTOR = 1.5
FPS_CV_LIMIT_PERCENT = 10.0
TOTAL_SPREAD_LIMIT = 0.20
MIN_WALL_S = 1.0


def _busy_cpu_s() -> float | None:
    """CPU seconds every process on the machine has spent (busy, not idle/iowait), from /proc/stat."""
    try:
        with open("/proc/stat") as handle:
            fields = handle.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    values = [int(v) for v in fields[1:]]
    # user nice system idle iowait irq softirq steal (guest is already counted in user)
    busy = sum(values[i] for i in (0, 1, 2, 5, 6, 7) if i < len(values))
    return busy / os.sysconf("SC_CLK_TCK")


def _own_cpu_s() -> float:
    times = os.times()
    return times.user + times.system


def sample() -> dict[str, Any]:
    """One reading of the machine; take one before and one after a measurement."""
    try:
        load = [round(v, 2) for v in os.getloadavg()]
    except OSError:
        load = None
    return {"time": time.monotonic(), "loadavg": load, "busy_cpu_s": _busy_cpu_s(), "own_cpu_s": _own_cpu_s()}


def machine_load(before: dict[str, Any], after: dict[str, Any], threads_used: int | None) -> dict[str, Any]:
    """What the machine did between two samples: load averages, and the CPU time others took."""
    wall = max(after["time"] - before["time"], 1e-6)
    cores = os.cpu_count() or 1
    result: dict[str, Any] = {
        "loadavg_before": before["loadavg"],
        "loadavg_after": after["loadavg"],
        "wall_s": round(wall, 3),
        "cpu_count": cores,
        "threads_used": threads_used,
        "own_cpu_s": round(after["own_cpu_s"] - before["own_cpu_s"], 3),
    }
    if before["busy_cpu_s"] is not None and after["busy_cpu_s"] is not None:
        all_busy = after["busy_cpu_s"] - before["busy_cpu_s"]
        other = max(0.0, all_busy - result["own_cpu_s"])
        result["other_cpu_s"] = round(other, 3)
        result["other_cpu_share"] = round(min(1.0, other / (wall * cores)), 4)  # of the whole machine's capacity
    return result


def verdict(load: dict[str, Any] | None, fps_values: Sequence[float] = (),
            total_spread: float | None = None) -> dict[str, Any]:
    """{"noisy": bool, "reasons": [...]} from the machine load and the repeat-to-repeat spread."""
    reasons: list[str] = []
    if load:
        share = load.get("other_cpu_share")
        # /proc/stat counts in clock ticks (10 ms): below MIN_WALL_S the share is not a measurement
        if share is not None and load.get("wall_s", 0) >= MIN_WALL_S and share > OTHER_CPU_LIMIT:
            reasons.append(f"other processes used {share:.0%} of the machine's CPU time during the measurement "
                           f"({load.get('other_cpu_s', 0):.1f} CPU-s in {load['wall_s']:.1f} s)")
        threads = load.get("threads_used") or load.get("cpu_count") or 1
        limit = LOAD_FACTOR * threads + 1
        highest = max((values[0] for values in (load.get("loadavg_before"), load.get("loadavg_after")) if values),
                      default=None)
        if highest is not None and highest > limit:
            reasons.append(f"load average {highest:.1f} around the run, well above the {threads} thread(s) we used")
    if len(fps_values) > 1:
        mean = sum(fps_values) / len(fps_values)
        if mean > 0:
            std = (sum((v - mean) ** 2 for v in fps_values) / (len(fps_values) - 1)) ** 0.5
            cv = 100.0 * std / mean
            if cv > FPS_CV_LIMIT_PERCENT:
                reasons.append(f"FPS varies by {cv:.0f}% (std/mean) across the {len(fps_values)} runs")
    if total_spread is not None and total_spread > TOTAL_SPREAD_LIMIT:
        reasons.append(f"the total time per inference varies by {total_spread:.0%} between runs")
    return {"noisy": bool(reasons), "reasons": reasons}


def noisy_text(metrics: dict[str, Any] | None) -> str:
    """"" for a clean result, else "noisy: <reasons>" — for lists, captions and CLI output."""
    noisy = (metrics or {}).get("noisy") or {}
    if not noisy.get("noisy"):
        return ""
    return "noisy: " + "; ".join(noisy.get("reasons") or ["disturbed"])
