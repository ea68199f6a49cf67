"""How a form-quality network is shaped and trained (plain settings, no torch)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["ModelConfig", "TrainConfig"]


@dataclass(frozen=True)
class ModelConfig:
    """Shape of a quality network; stored with its weights.

    Parameters
    ----------
    architecture
        ``"gcn"`` (:class:`QualityGCN`), ``"gcn_template"`` (:class:`TemplateGCN`: the
        same plus each rep's deviation from its movement's mean correct rep),
        ``"gcn_reference"`` (:class:`ReferenceGCN`: the same plus its deviation from the
        person's own correct reps) or ``"tcn"`` (:class:`QualityTCN`).
    width
        Channels of the first block; later blocks widen by half.
    n_movements
        Output heads (10 for UI-PRMD).
    dropout
        Dropout before the heads, 0..1.
    reference_reps
        For ``"gcn_reference"`` (:class:`ReferenceGCN`, each rep compared with the same
        person's correct reps): how many of them are averaged into the reference; 0 for
        the other architectures, which read no reference.
    """

    architecture: str = "gcn"
    width: int = 24
    n_movements: int = 10
    dropout: float = 0.2
    reference_reps: int = 0

    def __post_init__(self) -> None:
        wants = self.architecture == "gcn_reference"
        if wants != (self.reference_reps > 0):
            raise ValueError(f"architecture {self.architecture!r} with reference_reps "
                             f"{self.reference_reps}: only gcn_reference reads a "
                             "reference, of at least one rep")

    def as_dict(self) -> dict[str, object]:
        """The fields as a plain dict (for the manifest)."""
        return asdict(self)



@dataclass(frozen=True)
class TrainConfig:
    """How a model is trained.

    Parameters
    ----------
    epochs, batch_size, lr, weight_decay
        AdamW with a cosine learning-rate schedule.
    seed
        Seeds torch (initial weights, dropout) and numpy (order, augmentation).
    rotate_deg
        Largest rotation about the vertical in the augmentation (uniform +-).
    scale
        Largest relative change of size (uniform +-).
    warp
        Strength of the random monotone time warp (0 = none).
    noise
        Standard deviation of the noise added to positions (trunk lengths) and angles.
    mirror
        Probability of swapping left and right (s07 raises the left arm, the others the right).
    threads
        torch CPU threads (results depend on it; 1 is the reference).
    """

    epochs: int = 30
    batch_size: int = 32
    lr: float = 3e-3
    weight_decay: float = 1e-2
    seed: int = 14
    rotate_deg: float = 20.0
    scale: float = 0.1
    warp: float = 0.15
    noise: float = 0.01
    mirror: float = 0.5
    threads: int = 1

    def as_dict(self) -> dict[str, object]:
        """The fields as a plain dict (for the manifest)."""
        return asdict(self)
