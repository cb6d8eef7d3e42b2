"""Tests for the shipped datasets (data/) and their loader (helpers/data.py)."""

import hashlib
import re
import shutil
import sys
import types

import numpy as np
import pytest
import torch

from helpers import data

NPZ_SHAPES = {
    "mnist": {"X_train": (8000, 28, 28), "y_train": (8000,), "X_test": (2000, 28, 28), "y_test": (2000,)},
    "fashion_mnist": {"X_train": (10000, 28, 28), "y_train": (10000,), "X_test": (2000, 28, 28),
                      "y_test": (2000,), "class_names": (10,)},
    "digits": {"X": (1797, 64), "y": (1797,)},
    "iris": {"X": (150, 4), "y": (150,), "feature_names": (4,), "target_names": (3,)},
    "camera": {"image": (512, 512)},
}


def read_sums():
    """{filename: sha256} from data/SHA256SUMS."""
    lines = (data.DATA_DIR / "SHA256SUMS").read_text().splitlines()
    return {name: digest for digest, name in (line.split("  ") for line in lines)}


# --- the files -------------------------------------------------------------------------

def test_sha256sums_lists_every_dataset_and_matches_the_files():
    sums = read_sums()
    assert sorted(sums) == sorted(data.FILES.values())
    for name, digest in sums.items():
        assert re.fullmatch("[0-9a-f]{64}", digest)
        assert hashlib.sha256((data.DATA_DIR / name).read_bytes()).hexdigest() == digest, name


def test_readme_states_current_sizes_and_checksums():
    """data/README.md must not drift from the files it describes."""
    readme = (data.DATA_DIR / "README.md").read_text()
    for name, digest in read_sums().items():
        assert digest in readme, f"README.md has a stale SHA-256 for {name}"
        size = (data.DATA_DIR / name).stat().st_size
        assert f"{size:,}" in readme, f"README.md has a stale size for {name}"


def test_total_data_size_stays_small():
    total = sum((data.DATA_DIR / f).stat().st_size for f in data.FILES.values())
    assert total < 20_000_000  # data and checkpoints together: a Colab clone must take seconds


@pytest.mark.parametrize("name", sorted(NPZ_SHAPES))
def test_npz_datasets_have_documented_keys_and_shapes(name):
    ds = data.load(name)
    assert isinstance(ds, data.Dataset)
    assert {key: value.shape for key, value in ds.items()} == NPZ_SHAPES[name]
    for key, value in ds.items():
        assert isinstance(value, np.ndarray)  # fully loaded, not a lazy NpzFile
        if key.startswith("X") or key == "image" or key.startswith("y"):
            assert value.dtype == (np.float64 if name == "iris" and key == "X" else np.uint8), key
        else:
            assert value.dtype.kind == "U", key


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_image_datasets_are_stratified_with_full_pixel_range(name):
    ds = data.load(name)
    fractions = []
    for split in ("train", "test"):
        X, y = ds[f"X_{split}"], ds[f"y_{split}"]
        assert X.min() == 0 and X.max() == 255
        counts = np.bincount(y, minlength=10)
        assert len(counts) == 10 and counts.min() > 0
        fractions.append(counts / counts.sum())
    assert np.abs(fractions[0] - fractions[1]).max() < 0.005  # same class mix in both splits
    assert not np.array_equal(ds.y_train[:20], np.sort(ds.y_train[:20]))  # shuffled


def test_fashion_mnist_is_exactly_balanced_and_named():
    ds = data.load("fashion_mnist")
    assert np.all(np.bincount(ds.y_train) == 1000) and np.all(np.bincount(ds.y_test) == 200)
    assert ds.class_names[0] == "T-shirt/top" and ds.class_names[9] == "Ankle boot"


def test_digits_iris_camera_values():
    digits, iris, camera = data.load("digits"), data.load("iris"), data.load("camera")
    assert digits.X.max() == 16 and set(np.unique(digits.y)) == set(range(10))
    assert np.all(np.bincount(iris.y) == 50)
    assert list(iris.target_names) == ["setosa", "versicolor", "virginica"]
    assert iris.feature_names[0] == "sepal length (cm)"
    assert 0 < iris.X.min() and iris.X.max() < 8
    assert camera.image.min() == 0 and camera.image.max() == 255


def test_shakespeare_is_about_one_megabyte_of_plays():
    text = data.load("shakespeare")
    assert isinstance(text, str) and 900_000 < len(text) < 1_100_000
    assert text.startswith("HAMLET, PRINCE OF DENMARK\n")
    assert "To be, or not to be" in text and "\r" not in text and "\n\n\n\n" not in text
    assert len(text.split("\n\n\n")) == 8  # eight plays


def test_names_are_lowercase_sorted_and_counted():
    ds = data.load("names")
    assert len(ds.name) == len(ds.sex) == len(ds.count) == 30_000
    assert ds.count.dtype == np.int64 and ds.name.dtype.kind == "U"
    assert set(np.unique(ds.sex)) == {"F", "M"}
    ascii_names = ds.name.astype("S")  # raises if any name is not ASCII
    assert np.all(np.char.isalpha(ascii_names) & np.char.islower(ascii_names))  # a-z only
    assert np.all(np.diff(ds.count) <= 0)  # most births first
    assert len(np.unique(np.char.add(ds.name, ds.sex))) == len(ds.name)  # one row per (name, sex)


# --- the loader ------------------------------------------------------------------------

def test_dataset_repr_and_attribute_access():
    ds = data.load("digits")
    assert ds.X is ds["X"]
    assert "X" in dir(ds)
    assert repr(ds) == "Dataset with 2 arrays:\n  X              uint8    (1797, 64)\n  y              uint8    (1797,)"
    with pytest.raises(AttributeError, match="keys"):
        ds.nope  # noqa: B018


def test_unknown_dataset_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="mnist.*fashion_mnist.*camera"):
        data.load("cifar10")
    with pytest.raises(ValueError):
        data.path(3)


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A copy of data/ that a test may damage; helpers.data reads from it."""
    for name in [*data.FILES.values(), "SHA256SUMS"]:
        shutil.copy(data.DATA_DIR / name, tmp_path / name)
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    return tmp_path


def test_copy_of_data_dir_loads(data_copy):
    assert data.path("iris") == data_copy / "iris.npz"
    assert data.load("iris").X.shape == (150, 4)


def test_missing_file_raises_one_clear_error(data_copy):
    (data_copy / "iris.npz").unlink()
    with pytest.raises(data.DataError, match="iris.npz") as info:
        data.load("iris")
    message = str(info.value)
    assert "missing" in message
    assert "git checkout -- data/iris.npz" in message  # the student's fix
    assert "python data/build.py" in message  # the maintainer's fix
    assert "rm -rf" not in message  # Colab's fix is only shown on Colab


@pytest.fixture
def on_colab(data_copy, monkeypatch):
    """Pretend to run on Colab, with the course cloned where the setup cell puts it."""
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(data, "COLAB_REPO", str(data_copy.parent))
    return data_copy


def test_on_colab_a_bad_file_says_to_fetch_the_course_again(on_colab):
    (on_colab / "camera.npz").write_bytes(b"half a file")
    with pytest.raises(data.DataError, match="camera.npz") as info:
        data.load("camera")
    message = str(info.value)
    assert f"!rm -rf {on_colab.parent}" in message and "re-run the notebook's setup cell" in message
    assert "git checkout" not in message and "python data/build.py" in message


def test_on_colab_with_the_course_elsewhere_git_restores_the_file(on_colab, monkeypatch):
    monkeypatch.setattr(data, "COLAB_REPO", "/content/notebooks")  # the course is not the setup cell's clone
    (on_colab / "iris.npz").unlink()
    with pytest.raises(data.DataError, match="git checkout -- data/iris.npz") as info:
        data.load("iris")
    assert "rm -rf" not in str(info.value)


def test_file_missing_from_sha256sums_restores_both(data_copy):
    sums = data_copy / "SHA256SUMS"
    sums.write_text("".join(line + "\n" for line in sums.read_text().splitlines() if "iris" not in line))
    with pytest.raises(data.DataError, match="git checkout -- data/iris.npz data/SHA256SUMS"):
        data.load("iris")


def test_corrupt_file_raises_one_clear_error(data_copy):
    file = data_copy / "digits.npz"
    file.write_bytes(file.read_bytes()[:-10] + b"0123456789")  # same size, other bytes
    with pytest.raises(data.DataError, match="digits.npz") as info:
        data.load("digits")
    message = str(info.value)
    assert "checksum mismatch" in message and "python data/build.py" in message
    assert "git checkout -- data/digits.npz" in message
    assert read_sums()["digits.npz"][:16] in message  # the expected prefix


def test_corrupt_checkpoint_says_how_to_retrain_it(data_copy):
    file = data_copy / "mnist_cnn.pt"
    file.write_bytes(file.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(data.DataError, match="mnist_cnn.pt") as info:
        data.load("mnist_cnn")
    message = str(info.value)
    assert "checksum mismatch" in message and "git checkout -- data/mnist_cnn.pt" in message
    assert "python3 dev.py train mnist_cnn" in message and "data/build.py" not in message


def test_checkpoints_load_as_plain_tensors():
    for name in ("mnist_cnn", "dcgan_generator", "bert_pretrained"):
        state = data.load(name)
        assert state and all(isinstance(v, torch.Tensor) for v in state.values()), name
        assert all(v.dtype != torch.float16 for v in state.values()), f"{name}: float16 on disk, float32 in memory"


def test_recording_a_checksum_keeps_the_other_lines(tmp_path, monkeypatch):
    (tmp_path / "SHA256SUMS").write_text("aa  b.npz\n" + "cc  mnist_cnn.pt\n" + "dd  z.txt\n")
    (tmp_path / "mnist_cnn.pt").write_bytes(b"weights")
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    digest = data.record_checksum("mnist_cnn")
    assert digest == hashlib.sha256(b"weights").hexdigest()
    assert (tmp_path / "SHA256SUMS").read_text() == f"aa  b.npz\n{digest}  mnist_cnn.pt\ndd  z.txt\n"
    (tmp_path / "resnet_depth.json").write_text("{}")
    data.record_checksum("resnet_depth")  # a new line goes in name order
    assert [line.split("  ")[1] for line in (tmp_path / "SHA256SUMS").read_text().splitlines()] == [
        "b.npz", "mnist_cnn.pt", "resnet_depth.json", "z.txt"]
    with pytest.raises(ValueError, match="unknown dataset"):
        data.record_checksum("nope")


def test_missing_sha256sums_raises_data_error(data_copy):
    (data_copy / "SHA256SUMS").unlink()
    with pytest.raises(data.DataError, match="(?s)SHA256SUMS.*git checkout -- data/SHA256SUMS.*python data/build.py"):
        data.load("camera")


# --- minibatches and torch_loader -------------------------------------------------------

X_SMALL = np.arange(23 * 2, dtype=np.float64).reshape(23, 2)  # 23 samples: last batch is partial
Y_SMALL = np.arange(23)


def test_minibatches_cover_every_sample_once():
    batches = list(data.minibatches(X_SMALL, Y_SMALL, 5, rng=0))
    assert [len(yb) for _, yb in batches] == [5, 5, 5, 5, 3]
    seen = np.concatenate([yb for _, yb in batches])
    assert sorted(seen) == list(range(23)) and not np.array_equal(seen, Y_SMALL)
    for xb, yb in batches:
        assert np.array_equal(xb, X_SMALL[yb])  # X and y stay paired


def test_minibatches_reproducible_and_unshuffled_order():
    def order(rng):
        return np.concatenate([yb for _, yb in data.minibatches(X_SMALL, Y_SMALL, 4, rng=rng)])

    assert np.array_equal(order(7), order(7))
    rng = np.random.default_rng(7)
    assert not np.array_equal(order(rng), order(rng))  # one generator reshuffles every epoch
    plain = np.concatenate([yb for _, yb in data.minibatches(X_SMALL, Y_SMALL, 4, shuffle=False)])
    assert np.array_equal(plain, Y_SMALL)


def test_torch_loader_covers_every_sample_once_reproducibly():
    def epoch(loader):
        return torch.cat([yb for _, yb in loader]).tolist()

    loader = data.torch_loader(X_SMALL, Y_SMALL, batch_size=5, seed=3)
    xb, yb = next(iter(loader))
    assert xb.dtype == torch.float32 and yb.dtype == torch.int64 and xb.shape == (5, 2)
    first = epoch(loader)
    assert sorted(first) == list(range(23)) and first != list(range(23))
    assert epoch(data.torch_loader(X_SMALL, Y_SMALL, batch_size=5, seed=3)) == epoch(
        data.torch_loader(X_SMALL, Y_SMALL, batch_size=5, seed=3))
    assert epoch(data.torch_loader(X_SMALL, Y_SMALL, shuffle=False)) == list(range(23))


@pytest.mark.parametrize("make", [data.minibatches, data.torch_loader])
def test_batchers_reject_bad_input(make):
    def call(X, y, batch_size):
        return make(X, y, batch_size)  # must fail at the call, not at the first batch

    with pytest.raises(ValueError, match="same length"):
        call(X_SMALL, Y_SMALL[:-1], 4)
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="batch_size"):
            call(X_SMALL, Y_SMALL, bad)
