"""Seeded, deterministic training on CPU, and the leave-one-subject-out protocol."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from rehab.quality.config import ModelConfig, TrainConfig
from rehab.quality.data import RepSet, held_out_reference, reference_for
from rehab.quality.features import MODEL_ANGLES as ANGLE_NAMES
from rehab.quality.metrics import MovementScores, movement_scores
from rehab.quality.model import build_model
from rehab.vision.skeleton import MIRROR_JOINT

__all__ = ["FoldResult", "augment", "leave_one_subject_out", "predict", "train_model"]

_MIRROR_J = np.array([int(j) for j in MIRROR_JOINT])
_MIRROR_A = np.array([ANGLE_NAMES.index(n.replace("_left", "#").replace("_right", "_left")
                                        .replace("#", "_right")) for n in ANGLE_NAMES])
_ANGLE_SIGN = np.array([-1.0 if n == "trunk_lean_lateral" else 1.0 for n in ANGLE_NAMES],
                       dtype=np.float32)


def _time_warp(rng: np.random.Generator, n: int, t: int, strength: float) -> np.ndarray:
    """``(n, t)`` monotone sample positions in ``[0, t - 1]``: a random smooth warp each."""
    u = np.linspace(0.0, 1.0, t)
    a = rng.uniform(-strength, strength, size=(n, 1))
    warped = u + a * np.sin(np.pi * u)  # |a| < 1/pi keeps it monotone
    return np.clip(warped, 0.0, 1.0) * (t - 1)


def _interp_time(x: np.ndarray, where: np.ndarray) -> np.ndarray:
    """Sample ``(n, T, ...)`` along axis 1 at fractional indices ``(n, T)``."""
    lo = np.floor(where).astype(int)
    hi = np.minimum(lo + 1, x.shape[1] - 1)
    frac = (where - lo).reshape(*where.shape, *([1] * (x.ndim - 2)))
    rows = np.arange(len(x))[:, None]
    return x[rows, lo] * (1 - frac) + x[rows, hi] * frac


def augment(rng: np.random.Generator, pos: np.ndarray, ang: np.ndarray, cfg: TrainConfig,
            reference: tuple[np.ndarray, np.ndarray] | None = None,
            ) -> tuple[np.ndarray, np.ndarray] | tuple[np.ndarray, np.ndarray,
                                                       tuple[np.ndarray, np.ndarray]]:
    """Randomly rotated (about the vertical), scaled, mirrored, time-warped, noisy copies.

    With ``reference`` (positions and angles of each rep's reference, shaped as the reps'),
    the reference is turned, scaled and mirrored with its rep (it is the same person in
    the same place) but warped in time and noised on its own (another rep), and returned
    third. The draws for the reps come first, so the reps' copies are the same with or
    without a reference.
    """
    n = len(pos)
    theta = np.radians(rng.uniform(-cfg.rotate_deg, cfg.rotate_deg, n))
    scale = rng.uniform(1 - cfg.scale, 1 + cfg.scale, (n, 1, 1, 1))
    flip = rng.random(n) < cfg.mirror
    pos, ang = _turn_scale_mirror(pos, ang, theta, scale, flip)
    where = _time_warp(rng, n, pos.shape[1], cfg.warp)
    pos, ang = _interp_time(pos, where), _interp_time(ang, where)
    pos = pos + rng.normal(0.0, cfg.noise, pos.shape)
    ang = ang + rng.normal(0.0, cfg.noise, ang.shape)
    if reference is None:
        return pos.astype(np.float32), ang.astype(np.float32)
    ref_pos, ref_ang = _turn_scale_mirror(*reference, theta, scale, flip)
    where = _time_warp(rng, n, ref_pos.shape[1], cfg.warp)
    ref_pos, ref_ang = _interp_time(ref_pos, where), _interp_time(ref_ang, where)
    ref_pos = ref_pos + rng.normal(0.0, cfg.noise, ref_pos.shape)
    ref_ang = ref_ang + rng.normal(0.0, cfg.noise, ref_ang.shape)
    return (pos.astype(np.float32), ang.astype(np.float32),
            (ref_pos.astype(np.float32), ref_ang.astype(np.float32)))


def _turn_scale_mirror(pos: np.ndarray, ang: np.ndarray, theta: np.ndarray,
                       scale: np.ndarray, flip: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c, s = np.cos(theta), np.sin(theta)
    x = pos[..., 0] * c[:, None, None] + pos[..., 2] * s[:, None, None]
    z = -pos[..., 0] * s[:, None, None] + pos[..., 2] * c[:, None, None]
    pos = np.stack([x, pos[..., 1], z], axis=-1) * scale
    pos[flip] = pos[flip][:, :, _MIRROR_J] * np.array([-1.0, 1.0, 1.0])
    ang = ang.copy()
    ang[flip] = ang[flip][:, :, _MIRROR_A] * _ANGLE_SIGN
    return pos, ang


def _tensors(reps: RepSet) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return (torch.from_numpy(np.ascontiguousarray(reps.positions)),
            torch.from_numpy(np.ascontiguousarray(reps.angles)),
            torch.from_numpy(reps.movement.astype(np.int64)))


def train_model(reps: RepSet, model_cfg: ModelConfig, cfg: TrainConfig,
                progress: Callable[[int], None] | None = None) -> nn.Module:
    """Train one network on ``reps``; same inputs, same weights (CPU, same thread count).

    ``progress`` is called with the epoch number (1-based) after each epoch.
    """
    torch.set_num_threads(cfg.threads)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    model = build_model(model_cfg)
    fit_templates = getattr(model, "fit_templates", None)
    if fit_templates is not None:  # the template model: mean correct rep of the training set
        fit_templates(*_tensors(reps), torch.from_numpy(reps.correct.astype(np.float32)))
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps_per_epoch = math.ceil(len(reps) / cfg.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=cfg.lr, total_steps=cfg.epochs * steps_per_epoch, pct_start=0.15)
    loss_fn = nn.BCEWithLogitsLoss()
    target = torch.from_numpy(reps.correct.astype(np.float32))
    movement = torch.from_numpy(reps.movement.astype(np.int64))
    n_reference = model_cfg.reference_reps
    model.train()
    for epoch in range(cfg.epochs):
        order = rng.permutation(len(reps))
        for start in range(0, len(order), cfg.batch_size):
            idx = order[start:start + cfg.batch_size]
            if len(idx) < 2:  # batch norm needs two
                continue
            if n_reference:
                reference = reference_for(reps, idx, n_reference, rng)
                pos, ang, (ref_pos, ref_ang) = augment(rng, reps.positions[idx],
                                                       reps.angles[idx], cfg, reference)
                logits = model(torch.from_numpy(pos), torch.from_numpy(ang), movement[idx],
                               (torch.from_numpy(ref_pos), torch.from_numpy(ref_ang)))
            else:
                pos, ang = augment(rng, reps.positions[idx], reps.angles[idx], cfg)
                logits = model(torch.from_numpy(pos), torch.from_numpy(ang), movement[idx])
            loss = loss_fn(logits, target[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        if progress is not None:
            progress(epoch + 1)
    model.eval()
    return model


@torch.no_grad()
def predict(model: nn.Module, reps: RepSet,
            reference: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Probability of correct form for each rep, ``(R,)``; ``reference`` (positions and
    angles per rep, :func:`held_out_reference`) for a network that reads one."""
    model.eval()
    pos, ang, mov = _tensors(reps)
    if reference is None:
        return torch.sigmoid(model(pos, ang, mov)).numpy().astype(float)
    ref = (torch.from_numpy(np.ascontiguousarray(reference[0], dtype=np.float32)),
           torch.from_numpy(np.ascontiguousarray(reference[1], dtype=np.float32)))
    return torch.sigmoid(model(pos, ang, mov, ref)).numpy().astype(float)


@dataclass(frozen=True)
class FoldResult:
    """One held-out subject: per-movement scores of the model trained without them."""

    subject: int
    scores: tuple[MovementScores, ...]
    probability: np.ndarray
    model: nn.Module


def leave_one_subject_out(reps: RepSet, model_cfg: ModelConfig, cfg: TrainConfig,
                          progress: Callable[[int, int], None] | None = None,
                          ) -> list[FoldResult]:
    """Train once per subject without them and score them (``progress(fold, epoch)``).

    A network that reads a reference (``model_cfg.reference_reps`` > 0) scores the
    held-out subject's reps against their first correct reps of each movement, which are
    then not scored (:func:`held_out_reference`).
    """
    folds = []
    for fold, subject in enumerate(sorted(set(reps.subject.tolist()))):
        held = reps.subject == subject
        model = train_model(reps.select(~held), model_cfg, cfg,
                            None if progress is None else lambda e, f=fold: progress(f, e))
        test = reps.select(held)
        if model_cfg.reference_reps:
            scored, (ref_pos, ref_ang) = held_out_reference(test, model_cfg.reference_reps)
            test = test.select(scored)
            p = predict(model, test, (ref_pos[scored], ref_ang[scored]))
        else:
            p = predict(model, test)
        folds.append(FoldResult(subject, movement_scores(test.movement, test.correct, p), p,
                                model))
    return folds
