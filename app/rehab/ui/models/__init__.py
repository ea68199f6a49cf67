"""What the console's screens show, and the work behind them; no Qt here.

Each model keeps its state, validates input where it enters and announces changes through
:class:`~rehab.ui.models.observable.Emitter` callbacks, so it can be tested without a display
and a view only has to translate.
"""
