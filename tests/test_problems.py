"""Specification of lgc.problems: shapes, preprocessing, splits and loading."""
import gzip

from lgc import _readers

import numpy as np
import pytest

from lgc.datafiles import MNIST_TEST, REGISTRY
from lgc.problems import PROBLEMS, load_problem, split_indices, zscore

TABLE_2_DIMS = {"xor": 9, "iris": 35, "diabetes": 81, "glass": 150,
                "cancer": 321, "heart": 341, "mnist": 7960}
SPLIT_SIZES = {"iris": (120, 30), "diabetes": (614, 154), "glass": (171, 43),
               "cancer": (455, 114), "heart": (736, 184)}
TABLE_PROBLEMS = sorted(SPLIT_SIZES)


@pytest.mark.parametrize("name", list(TABLE_2_DIMS))
def test_spec_dim_matches_table_2(name):
    """Every problem's parameter count is the one in the paper's Table 2."""
    assert PROBLEMS[name].dim == TABLE_2_DIMS[name]


@pytest.mark.parametrize("name", TABLE_PROBLEMS)
def test_split_sizes_are_80_20(data_dir, name):
    """Train/test sizes are round(0.8 P) and the rest, with the spec's widths."""
    p = load_problem(name)
    spec = PROBLEMS[name]
    n_train, n_test = SPLIT_SIZES[name]
    assert p.X_train.shape == (n_train, spec.n_in)
    assert p.X_test.shape == (n_test, spec.n_in)
    assert p.T_train.shape == (n_train, spec.n_out)
    assert p.T_test.shape == (n_test, spec.n_out)
    assert p.dim == TABLE_2_DIMS[name]


@pytest.mark.parametrize("name", TABLE_PROBLEMS)
def test_inputs_zscored_over_whole_set(data_dir, name):
    """Input columns have mean 0 and std 1 over train and test together."""
    p = load_problem(name)
    X = np.vstack([p.X_train, p.X_test])
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(X.std(axis=0), 1.0, atol=1e-12)


@pytest.mark.parametrize("name", TABLE_PROBLEMS + ["mnist"])
def test_targets_are_binary_or_one_hot(data_dir, name):
    """Targets are 0/1, and one-hot rows sum to 1 when there are several outputs."""
    p = load_problem(name)
    T = np.vstack([p.T_train, p.T_test])
    assert set(np.unique(T)) <= {0.0, 1.0}
    if p.n_out > 1:
        np.testing.assert_array_equal(T.sum(axis=1), 1.0)


@pytest.mark.parametrize("name", TABLE_PROBLEMS + ["mnist", "xor"])
def test_no_nan_and_float64(data_dir, name):
    """All arrays are finite float64."""
    p = load_problem(name)
    for a in (p.X_train, p.T_train, p.X_test, p.T_test):
        assert a.dtype == np.float64
        assert np.isfinite(a).all()


def test_same_seed_same_split(data_dir):
    """Loading twice with one seed gives identical splits."""
    a, b = load_problem("diabetes", seed=3), load_problem("diabetes", seed=3)
    np.testing.assert_array_equal(a.X_train, b.X_train)


def test_different_seed_different_split(data_dir):
    """Another seed gives another split of the same patterns."""
    a, b = load_problem("diabetes", seed=0), load_problem("diabetes", seed=1)
    assert not np.array_equal(a.X_train, b.X_train)
    both = lambda p: np.sort(np.vstack([p.X_train, p.X_test]), axis=0)  # noqa: E731
    np.testing.assert_array_equal(both(a), both(b))


def test_split_indices_partition():
    """split_indices returns a disjoint cover of range(n)."""
    train, test = split_indices(11, seed=5)
    assert len(train) == 9
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(11))


def test_zscore_constant_column_is_zero():
    """A constant column becomes zeros, not NaN."""
    Z = zscore(np.array([[0.1, 1.0], [0.1, 2.0], [0.1, 4.0]]))
    np.testing.assert_array_equal(Z[:, 0], 0.0)
    assert np.isclose(Z[:, 1].std(), 1.0)


def test_xor_needs_no_file(empty_dir):
    """XOR loads from an empty data folder, with train equal to test."""
    p = load_problem("xor")
    np.testing.assert_array_equal(p.X_train, p.X_test)
    assert p.T_train.ravel().tolist() == [0.0, 1.0, 1.0, 0.0]
    assert p.hashes == {}


def test_name_is_case_insensitive(data_dir):
    """Problem names match in any case."""
    assert load_problem("Iris").name == "iris"


def test_unknown_problem_lists_names():
    """An unknown problem name is refused with the known names."""
    with pytest.raises(ValueError, match="unknown problem 'wine'.*iris.*mnist"):
        load_problem("wine")


def test_bad_seed_is_refused():
    """A negative seed is refused, naming the value."""
    with pytest.raises(ValueError, match="seed must be a non-negative integer, got -1"):
        load_problem("iris", seed=-1)


def test_arrays_are_read_only(data_dir):
    """Cached arrays cannot be written to."""
    p = load_problem("iris")
    with pytest.raises(ValueError, match="read-only"):
        p.X_train[0, 0] = 1.0


def test_hashes_record_files_used(data_dir):
    """Problem.hashes holds the registered sha256 of each file read."""
    p = load_problem("cancer")
    assert p.hashes == {"cancer.csv": REGISTRY["cancer.csv"].split(":")[1]}


def test_missing_file_raises_naming_it(empty_dir):
    """A file absent from LGC_DATA_DIR raises FileNotFoundError naming it and the fix."""
    with pytest.raises(FileNotFoundError, match="'glass.csv' is not in LGC_DATA_DIR.*unset"):
        load_problem("glass")


def test_mnist_falls_back_with_note(data_dir, tmp_path, monkeypatch):
    """Without the training images, MNIST splits t10k 80/20 and says so."""
    for name in MNIST_TEST + ("train-labels-idx1-ubyte.gz",):
        (tmp_path / name).symlink_to(data_dir / name)
    monkeypatch.setenv("LGC_DATA_DIR", str(tmp_path))
    p = load_problem("mnist")
    assert p.source == "t10k-split-80/20"
    assert p.notes and p.notes[0].startswith("MNIST training images absent")
    assert p.X_train.shape == (8000, 784) and p.X_test.shape == (2000, 784)
    assert p.batch_size == 100
    assert 0.0 <= p.X_train.min() and p.X_train.max() <= 1.0


def test_mnist_without_test_images_is_an_error(empty_dir):
    """Missing official test images are an error, not a fallback."""
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte.gz"):
        load_problem("mnist")


def test_idx_bad_magic_is_refused(tmp_path):
    """An IDX file with the wrong magic number is refused."""
    path = tmp_path / "bad.gz"
    with gzip.open(path, "wb") as f:
        f.write((2049).to_bytes(4, "big") + (1).to_bytes(4, "big") + b"\x03")
    with pytest.raises(ValueError, match="magic number 2049, expected 2051"):
        _readers.read_idx(path, 2051)
