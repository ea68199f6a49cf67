"""The learned form-quality networks (torch): a spatio-temporal graph net and a TCN baseline.

Both read one rep as two streams, the normalised positions ``(B, T, 18, 3)`` and the joint
angles ``(B, T, A)`` (:mod:`rehab.quality.features`), are shared across the ten UI-PRMD
movements and end in one logit per movement; :meth:`forward` picks each rep's own.
"""

from __future__ import annotations

import torch
from torch import nn

from rehab.quality.config import ModelConfig
from rehab.quality.features import MODEL_ANGLES, N_ANGLES, N_FRAMES
from rehab.vision.skeleton import MIRROR_JOINT, N_JOINTS, Joint

__all__ = ["ARCHITECTURES", "BONES", "QualityGCN", "QualityTCN", "ReferenceGCN", "TemplateGCN",
           "bone_directions", "build_model"]

_J = Joint
#: Bones of the canonical skeleton (the graph's edges).
BONES: tuple[tuple[Joint, Joint], ...] = (
    (_J.PELVIS, _J.SPINE), (_J.SPINE, _J.NECK), (_J.NECK, _J.HEAD),
    (_J.NECK, _J.L_SHOULDER), (_J.L_SHOULDER, _J.L_ELBOW), (_J.L_ELBOW, _J.L_WRIST),
    (_J.NECK, _J.R_SHOULDER), (_J.R_SHOULDER, _J.R_ELBOW), (_J.R_ELBOW, _J.R_WRIST),
    (_J.PELVIS, _J.L_HIP), (_J.L_HIP, _J.L_KNEE), (_J.L_KNEE, _J.L_ANKLE),
    (_J.L_ANKLE, _J.L_FOOT), (_J.PELVIS, _J.R_HIP), (_J.R_HIP, _J.R_KNEE),
    (_J.R_KNEE, _J.R_ANKLE), (_J.R_ANKLE, _J.R_FOOT),
)  # fmt: skip


_CHANNELS = 9  # position, velocity and bone direction per joint


def _adjacency() -> torch.Tensor:
    """Symmetrically normalised adjacency with self-loops, ``D^-1/2 (A + I) D^-1/2``."""
    a = torch.eye(N_JOINTS)
    for i, j in BONES:
        a[i, j] = a[j, i] = 1.0
    d = a.sum(1).rsqrt()
    return d[:, None] * a * d[None, :]


class _GraphBlock(nn.Module):
    """Graph convolution over joints (fixed skeleton plus a learned residual adjacency),
    then a temporal convolution, each with batch norm; residual connection."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.register_buffer("adj", _adjacency())
        self.adj_delta = nn.Parameter(torch.zeros(N_JOINTS, N_JOINTS))
        self.spatial = nn.Conv2d(c_in, c_out, 1)
        self.temporal = nn.Sequential(
            nn.BatchNorm2d(c_out), nn.ReLU(),
            nn.Conv2d(c_out, c_out, (5, 1), stride=(stride, 1), padding=(2, 0)),
            nn.BatchNorm2d(c_out),
        )
        self.skip = (nn.Identity() if c_in == c_out and stride == 1 else
                     nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=(stride, 1)),
                                   nn.BatchNorm2d(c_out)))
        self.out = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, C, T, J)
        y = torch.einsum("bctj,jk->bctk", self.spatial(x), self.adj + self.adj_delta)
        return self.out(self.temporal(y) + self.skip(x))


def _temporal_block(c_in: int, c_out: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv1d(c_in, c_out, 5, stride=stride, padding=2),
                         nn.BatchNorm1d(c_out), nn.ReLU())


class _Heads(nn.Module):
    """One logit per movement from a shared embedding."""

    def __init__(self, width: int, n_movements: int, dropout: float) -> None:
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.linear = nn.Linear(width, n_movements)

    def forward(self, z: torch.Tensor, movement: torch.Tensor) -> torch.Tensor:
        logits = self.linear(self.drop(z))
        return logits.gather(1, movement[:, None]).squeeze(1)


_PARENT = torch.tensor([0] + [int(a) for a, _ in sorted(BONES, key=lambda e: e[1])])


def bone_directions(positions: torch.Tensor) -> torch.Tensor:
    """Unit vector from each joint's parent to it, ``(..., 18, 3)`` (zero for the pelvis).

    Independent of limb lengths, so the network cannot tell subjects apart by build.
    """
    bones = positions - positions[..., _PARENT, :]
    return bones / bones.norm(dim=-1, keepdim=True).clamp_min(1e-6)


class QualityGCN(nn.Module):
    """Spatio-temporal graph net on positions, velocities and bone directions, fused with
    a TCN on the joint angles."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        w = config.width
        self.input_norm = nn.BatchNorm1d(_CHANNELS * N_JOINTS)
        self.graph = nn.Sequential(_GraphBlock(_CHANNELS, w, 1), _GraphBlock(w, w, 2),
                                   _GraphBlock(w, w * 3 // 2, 2))
        self.angles = nn.Sequential(_temporal_block(N_ANGLES, w, 1),
                                    _temporal_block(w, w, 2), _temporal_block(w, w, 2))
        self.heads = _Heads(w * 3 // 2 + w, config.n_movements, config.dropout)

    def forward(self, positions: torch.Tensor, angles: torch.Tensor,
                movement: torch.Tensor) -> torch.Tensor:
        """Logits ``(B,)`` of correct form for each rep's own movement."""
        b, t, j, _ = positions.shape
        velocity = torch.diff(positions, dim=1, prepend=positions[:, :1])
        x = torch.cat([positions, velocity * 4.0, bone_directions(positions)], dim=-1)
        x = self.input_norm(x.permute(0, 2, 3, 1).reshape(b, j * _CHANNELS, t))
        x = x.reshape(b, j, _CHANNELS, t).permute(0, 2, 3, 1)  # (B, C, T, J)
        z_pos = self.graph(x).mean(dim=(2, 3))
        z_ang = self.angles(angles.transpose(1, 2)).mean(dim=2)
        return self.heads(torch.cat([z_pos, z_ang], dim=1), movement)


class QualityTCN(nn.Module):
    """Baseline: a temporal convolution net over all coordinates and angles as channels."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        w = config.width * 2
        c_in = N_JOINTS * 3 + N_ANGLES
        self.input_norm = nn.BatchNorm1d(c_in)
        self.body = nn.Sequential(_temporal_block(c_in, w, 1), _temporal_block(w, w, 2),
                                  _temporal_block(w, w, 2))
        self.heads = _Heads(w, config.n_movements, config.dropout)

    def forward(self, positions: torch.Tensor, angles: torch.Tensor,
                movement: torch.Tensor) -> torch.Tensor:
        """Logits ``(B,)`` of correct form for each rep's own movement."""
        x = torch.cat([positions.flatten(2), angles], dim=2).transpose(1, 2)
        return self.heads(self.body(self.input_norm(x)).mean(dim=2), movement)


_MIRROR_J = torch.tensor([int(j) for j in MIRROR_JOINT])
_MIRROR_A = torch.tensor([MODEL_ANGLES.index(n.replace("_left", "#").replace("_right", "_left")
                                             .replace("#", "_right")) for n in MODEL_ANGLES])
_ANGLE_SIGN = torch.tensor([-1.0 if n == "trunk_lean_lateral" else 1.0 for n in MODEL_ANGLES])


class _DeviationGCN(nn.Module):
    """:class:`QualityGCN` that also reads each rep's frame-by-frame deviation from a rep
    it is compared with (a movement's template, or the patient's own reference reps)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        w, m = config.width, config.n_movements
        c = _CHANNELS + 3
        self.input_norm = nn.BatchNorm1d(c * N_JOINTS)
        self.graph = nn.Sequential(_GraphBlock(c, w, 1), _GraphBlock(w, w, 2),
                                   _GraphBlock(w, w * 3 // 2, 2))
        self.angles = nn.Sequential(_temporal_block(2 * N_ANGLES, w, 1),
                                    _temporal_block(w, w, 2), _temporal_block(w, w, 2))
        self.heads = _Heads(w * 3 // 2 + w, m, config.dropout)

    def _logits(self, positions: torch.Tensor, angles: torch.Tensor, dev_pos: torch.Tensor,
                dev_ang: torch.Tensor, movement: torch.Tensor) -> torch.Tensor:
        b, t, j, _ = positions.shape
        velocity = torch.diff(positions, dim=1, prepend=positions[:, :1])
        x = torch.cat([positions, velocity * 4.0, bone_directions(positions), dev_pos],
                      dim=-1)
        c = x.shape[-1]
        x = self.input_norm(x.permute(0, 2, 3, 1).reshape(b, j * c, t))
        x = x.reshape(b, j, c, t).permute(0, 2, 3, 1)  # (B, C, T, J)
        z_pos = self.graph(x).mean(dim=(2, 3))
        a = torch.cat([angles, dev_ang], dim=2)
        z_ang = self.angles(a.transpose(1, 2)).mean(dim=2)
        return self.heads(torch.cat([z_pos, z_ang], dim=1), movement)


class TemplateGCN(_DeviationGCN):
    """:class:`QualityGCN` that also reads each rep's deviation from its movement's template.

    The template is the mean correct rep of the training reps, per movement, frame by frame
    (reps are time-normalised to ``N_FRAMES``), kept as a buffer with the weights. A rep is
    compared with the template or its mirror image, whichever is closer (one-arm and
    one-leg movements are done with either side).
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config)
        m = config.n_movements
        self.register_buffer("pos_template", torch.zeros(m, N_FRAMES, N_JOINTS, 3))
        self.register_buffer("ang_template", torch.zeros(m, N_FRAMES, N_ANGLES))

    @torch.no_grad()
    def fit_templates(self, positions: torch.Tensor, angles: torch.Tensor,
                      movement: torch.Tensor, correct: torch.Tensor) -> None:
        """Set each movement's template to the mean of its correct training reps."""
        for k in range(self.pos_template.shape[0]):
            sel = (movement == k) & (correct > 0.5)
            if bool(sel.any()):
                self.pos_template[k] = positions[sel].mean(dim=0)
                self.ang_template[k] = angles[sel].mean(dim=0)

    def _deviation(self, positions: torch.Tensor, angles: torch.Tensor,
                   movement: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        tp, ta = self.pos_template[movement], self.ang_template[movement]
        tp_m = tp[:, :, _MIRROR_J] * torch.tensor([-1.0, 1.0, 1.0])
        ta_m = ta[:, :, _MIRROR_A] * _ANGLE_SIGN
        dp, dp_m = positions - tp, positions - tp_m
        mirror = dp_m.square().mean(dim=(1, 2, 3)) < dp.square().mean(dim=(1, 2, 3))
        return (torch.where(mirror[:, None, None, None], dp_m, dp),
                torch.where(mirror[:, None, None], angles - ta_m, angles - ta))

    def forward(self, positions: torch.Tensor, angles: torch.Tensor,
                movement: torch.Tensor) -> torch.Tensor:
        """Logits ``(B,)`` of correct form for each rep's own movement."""
        dev_pos, dev_ang = self._deviation(positions, angles, movement)
        return self._logits(positions, angles, dev_pos, dev_ang, movement)


class ReferenceGCN(_DeviationGCN):
    """:class:`QualityGCN` that also reads each rep's deviation from the same person's
    reference: the mean of a few of their reps of the movement known to be correct.

    Each person does a movement their own way (UI-PRMD's s06 leans 52 deg forward in the
    squats they call correct, as far as the others lean in their staged incorrect ones);
    measured against the person's own correct reps, a fault stands out that the person's
    style hides from a reference-free model. The reference is an input, not a weight: in
    training it is drawn at random from the subject's other correct reps
    (:func:`rehab.quality.data.reference_for`), live it is the patient's reference reps.
    """

    #: :func:`rehab.quality.train.train_model` and :meth:`QualityModel.probabilities` pass
    #: ``reference`` to networks that say so.
    needs_reference = True

    def forward(self, positions: torch.Tensor, angles: torch.Tensor, movement: torch.Tensor,
                reference: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """Logits ``(B,)``; ``reference`` is ``(positions, angles)`` shaped as the reps'."""
        ref_pos, ref_ang = reference
        return self._logits(positions, angles, positions - ref_pos, angles - ref_ang, movement)


ARCHITECTURES: dict[str, type[nn.Module]] = {"gcn": QualityGCN, "tcn": QualityTCN,
                                             "gcn_template": TemplateGCN,
                                             "gcn_reference": ReferenceGCN}


def build_model(config: ModelConfig) -> nn.Module:
    """A fresh network for ``config`` (initialised from torch's current RNG state)."""
    return ARCHITECTURES[config.architecture](config)
