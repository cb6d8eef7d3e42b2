"""05: the MNIST CNN (conv → batch norm → ReLU → pool, twice; a dense head), taught in notebook 05; notebook 10 uses it,
trained by ``python3 dev.py train mnist_cnn``, to judge generated digits.

Taught line for line in its notebook (a test fails if the two drift apart)."""

from torch import nn

__all__ = ["make_cnn"]


def make_cnn():
    """Feature extraction: 2 blocks of conv 3x3 -> batch norm -> ReLU -> max pool 2x2; then a dense head."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),    # (N, 16, 14, 14)
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),   # (N, 32, 7, 7)
        nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10),
    )
