"""The screens: the therapist console, shared widgets and the translation catalogue.

``rehab.ui.models`` and ``rehab.ui.i18n`` are pure (no Qt, checked by import-linter): they
hold what each screen shows and do the work behind it. ``rehab.ui.qt`` holds shared Qt
pieces (the session bridge, workers, the skeleton painter, form rows) and
``rehab.ui.console`` the console's views, each named after the model it receives.
"""
