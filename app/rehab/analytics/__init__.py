"""Progress analytics: per-session measures, their trends and the clinical rules behind them.

Pure (no Qt): the console's progress page, printed progress reports and research exports
all judge a patient's progress with the same rules.
"""

from rehab.analytics.progress import MEASURES, ExerciseProgress, exercise_progress, measure_value
from rehab.analytics.trends import MEASURE_RULES, Trend, TrendRule, classify_trend, theil_sen_slope

__all__ = [
    "MEASURES",
    "MEASURE_RULES",
    "ExerciseProgress",
    "Trend",
    "TrendRule",
    "classify_trend",
    "exercise_progress",
    "measure_value",
    "theil_sen_slope",
]
