"""10: the DCGAN for 28×28 digits, taught in notebook 10 (``python3 dev.py train dcgan_generator``).

Taught line for line in its notebook (a test fails if the two drift apart)."""

from torch import nn

__all__ = ["Z_DIM", "Generator", "make_discriminator"]


Z_DIM = 32  # numbers of noise per generated image


class Generator(nn.Module):
    """G: noise z (N, Z_DIM) -> images (N, 1, 28, 28) with pixels in (0, 1).

    A dense layer makes 2·width small 7×7 maps; two transposed convolutions, each Conv2DTranspose(filters,
    size 4, stride 2) in the lecture's words, double the size: 7 -> 14 -> 28. Batch norm between them keeps
    every layer's outputs at a steady scale (as in DCGAN, Radford et al. 2016); a sigmoid makes pixels.
    """

    def __init__(self, z_dim=Z_DIM, width=32):
        super().__init__()
        self.width = width
        self.project = nn.Sequential(nn.Linear(z_dim, 2 * width * 7 * 7), nn.BatchNorm1d(2 * width * 7 * 7),
                                     nn.ReLU())
        self.upsample = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1), nn.BatchNorm2d(width), nn.ReLU(),  # 14x14
            nn.ConvTranspose2d(width, 1, 4, stride=2, padding=1), nn.Sigmoid(),                               # 28x28
        )

    def forward(self, z):
        return self.upsample(self.project(z).view(-1, 2 * self.width, 7, 7))


def make_discriminator(width=32):
    """D: images (N, 1, 28, 28) -> one logit per image (N, 1); σ(logit) is D's probability that it is real.

    Convolutions with stride 2 halve the size (28 -> 14 -> 7), the mirror image of the generator; leaky ReLUs
    let a little gradient through for negative inputs too, so that every fake image gets feedback.
    """
    return nn.Sequential(
        nn.Conv2d(1, width, 4, stride=2, padding=1), nn.LeakyReLU(0.2),                                # 14x14
        nn.Conv2d(width, 2 * width, 4, stride=2, padding=1), nn.BatchNorm2d(2 * width), nn.LeakyReLU(0.2),  # 7x7
        nn.Flatten(), nn.Linear(2 * width * 7 * 7, 1),
    )
