"""Plain views of an analysis: a JSON-ready dict and a fixed-width per-rep table.

Kept apart from the CLI so that the console, exports and tests read reps the same way.
NaN (unknown) becomes JSON ``null``, never the non-standard ``NaN`` token.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rehab.exercises.analysis import AnalysisResult, Rep, rep_cue
from rehab.vision.angles import AngleSeries

__all__ = ["analysis_to_dict", "format_rep_table", "rep_to_dict"]


def _num(x: float, digits: int = 3) -> float | None:
    return round(float(x), digits) if math.isfinite(x) else None


def rep_to_dict(rep: Rep, language: str) -> dict[str, Any]:
    """One rep as a JSON-ready dict (times s, angles deg, deductions with reasons).

    Parameters
    ----------
    rep
        The rep.
    language
        Language code of the reasons and cue (e.g. ``"en"``).

    Returns
    -------
    dict
        JSON-ready fields; non-finite numbers are None.

    Examples
    --------
    >>> from rehab.exercises.segmentation import RepMetrics
    >>> m = RepMetrics(False, None, 0, 1, 2, 2, 0, 30, 0, 30, 40, float("nan"), 2)
    >>> rep_to_dict(Rep(None, "left", m, (), None), "en")["metrics"]["sparc"] is None
    True
    """
    m, sampling = rep.metrics, rep.sampling
    out: dict[str, Any] = {
        "number": rep.number,
        "counted": m.counted,
        "partial_reason": m.partial_reason.value if m.partial_reason else None,
        "side": rep.side,
        # Counted but too sparsely sampled: ROM, speed and score are not exact.
        "uncertain": rep.uncertain,
        "frame_coverage": _num(sampling.frame_coverage) if sampling else None,
        "max_gap_s": _num(sampling.max_gap_s) if sampling else None,
        "metrics": {
            "start_t_s": _num(m.start_t_s),
            "peak_t_s": _num(m.peak_t_s),
            "end_t_s": _num(m.end_t_s),
            "duration_s": _num(m.duration_s),
            "start_deg": _num(m.start_deg, 1),
            "peak_deg": _num(m.peak_deg, 1),
            "end_deg": _num(m.end_deg, 1),
            "rom_deg": _num(m.rom_deg, 1),
            "peak_velocity_deg_s": _num(m.peak_velocity_deg_s, 1),
            "sparc": _num(m.sparc),
            "speed_peaks": m.speed_peaks,
        },
        # The camera view during the rep and, per compensation rule, whether that view
        # could measure it (a rule it could not is never a deduction).
        "view": rep.view,
        "assessable": {
            **{rule: True for rule in rep.assessed},
            **{rule: False for rule in rep.not_assessable},
        },
        "compensations": [
            {
                "id": c.rule_id,
                "angle": c.angle,
                "peak_deg": _num(c.peak_deg, 1),
                "limit_deg": c.limit_deg,
                "duration_s": _num(c.duration_s),
            }
            for c in rep.compensations
        ],
        "score": None,
        "deductions": [],
        "flags": [],
        "cue": None,
    }
    if rep.score is not None:
        out["score"] = round(rep.score.score, 1)
        out["flags"] = list(rep.score.flags)
        cue = rep_cue(rep)
        out["cue"] = cue.get(language) if cue is not None else None
        out["deductions"] = [
            {
                "kind": d.kind.value,
                "id": d.id,
                "points": round(d.points, 1),
                "reason": d.reason.get(language),
            }
            for d in rep.score.deductions
        ]
    return out


def _series(x: np.ndarray, digits: int) -> list[float | None]:
    return [round(float(v), digits) if np.isfinite(v) else None for v in np.asarray(x)]


def analysis_to_dict(
    result: AnalysisResult, angles: AngleSeries, language: str, **meta: Any
) -> dict[str, Any]:
    """The whole analysis as a JSON-ready dict: metadata, reps, and the angle time series.

    Parameters
    ----------
    result
        The reps.
    angles
        The joint-angle series the reps were found in (all angles are written).
    language
        Language of the reasons and cues.
    **meta
        Extra top-level fields (video path, frame counts...).

    Returns
    -------
    dict
        JSON-ready: ``meta``, then exercise, side, view, language, count, reps, angles.
    """
    return {
        **meta,
        "exercise": result.exercise_id,
        "side": result.side,
        "view": result.view,
        "language": language,
        "count": result.count,
        "reps": [rep_to_dict(r, language) for r in result.reps],
        "angles": {
            "t_s": _series(angles.t_s, 4),
            "deg": {n: _series(v, 2) for n, v in angles.deg.items()},
            "confidence": {n: _series(v, 3) for n, v in angles.confidence.items()},
        },
    }


def format_rep_table(result: AnalysisResult, language: str) -> str:
    """A fixed-width table, one line per rep (partial reps marked and not numbered).

    The last column is the cue the patient would get after the rep, in ``language``. An
    uncertain rep (too sparsely sampled, see :mod:`rehab.exercises.sampling`) has status
    ``uncertain`` and ``~`` before its ROM, speed and score; ``cover`` is its frame
    coverage and ``gap_s`` the largest gap around its onset and peak.

    Parameters
    ----------
    result
        The reps.
    language
        Language code of the cues (e.g. ``"en"``).

    Returns
    -------
    str
        The table: a header line, then one line per rep (or ``(no reps)``).

    Examples
    --------
    >>> lines = format_rep_table(AnalysisResult("squat", None, ()), "en").splitlines()
    >>> lines[0].split()[:3], lines[0].split()[9:], lines[1]
    (['#', 'status', 'side'], ['score', 'cover', 'gap_s', 'flags', 'cue'], '(no reps)')
    """
    header = (
        f"{'#':>3}  {'status':<9}  {'side':<5}  {'start_s':>7}  {'peak_s':>6}  {'end_s':>6}"
        f"  {'rom_deg':>7}  {'vmax_deg_s':>10}  {'sparc':>6}  {'score':>5}  {'cover':>5}"
        f"  {'gap_s':>5}  flags  cue"
    )
    lines = [header]
    for rep in result.reps:
        m = rep.metrics
        number = str(rep.number) if rep.number is not None else "-"
        status = ("uncertain" if rep.uncertain else "counted") if m.counted else "partial"
        approx = "~" if rep.uncertain else ""
        score = f"{approx}{rep.score.score:.0f}" if rep.score else "-"
        if rep.score is not None:
            flags = ",".join(rep.score.flags) or "-"
            text = rep_cue(rep)
            cue = text.get(language) if text is not None else "-"
        else:
            flags = m.partial_reason.value if m.partial_reason else "-"
            cue = "-"
        sparc = f"{m.sparc:6.2f}" if math.isfinite(m.sparc) else "     -"
        vmax = (f"{approx}{m.peak_velocity_deg_s:.0f}"
                if math.isfinite(m.peak_velocity_deg_s) else "-")
        s = rep.sampling
        cover, gap = (f"{s.frame_coverage:.2f}", f"{s.max_gap_s:.2f}") if s else ("-", "-")
        lines.append(
            f"{number:>3}  {status:<9}  {rep.side or 'both':<5}  {m.start_t_s:7.2f}"
            f"  {m.peak_t_s:6.2f}  {m.end_t_s:6.2f}  {approx + f'{m.rom_deg:.1f}':>7}"
            f"  {vmax:>10}  {sparc}  {score:>5}  {cover:>5}  {gap:>5}  {flags}  {cue}"
        )
    if not result.reps:
        lines.append("(no reps)")
    return "\n".join(lines)
