"""The learned form-quality model: a second opinion on each rep, beside the deductions.

A small spatio-temporal graph network (torch) trained on UI-PRMD on the canonical
skeleton gives each completed rep a probability of correct form. It never replaces the
rule-based deductions, which explain themselves. Modules: :mod:`~rehab.quality.features`
(one rep as input, numpy), :mod:`~rehab.quality.model` (the networks),
:mod:`~rehab.quality.train` (seeded training and leave-one-subject-out),
:mod:`~rehab.quality.weights` (shipped weights, checked by version and SHA-256) and
:mod:`~rehab.quality.live` (:func:`~rehab.quality.live.rep_probability` for the session).
torch is imported only by model, train, weights and live.
"""
