"""Specification of lgc.datafiles: the data files, their hashes, fetching and checking."""
import ast
from pathlib import Path

import pytest

import lgc.datafiles
from lgc.datafiles import REGISTRY, fetch, file_hashes


def test_file_hashes_is_sha256(data_dir):
    """file_hashes gives the sha256 of the verified local file."""
    import hashlib
    (digest,) = file_hashes(["glass.csv"]).values()
    assert digest == hashlib.sha256((data_dir / "glass.csv").read_bytes()).hexdigest()
    assert digest == REGISTRY["glass.csv"].removeprefix("sha256:")


def test_corrupted_file_raises_with_expected_hash(empty_dir):
    """A file whose hash differs raises ValueError naming the expected hash."""
    (empty_dir / "iris_training.csv").write_text("150,4,setosa\n1,2,3,4,0\n")
    expected = REGISTRY["iris_training.csv"].split(":")[1]
    with pytest.raises(ValueError, match=f"iris_training.csv.*expected {expected}, got"):
        fetch("iris_training.csv")


def test_missing_file_names_the_folder_and_the_fix(empty_dir):
    """A registered file absent from LGC_DATA_DIR is a FileNotFoundError naming both."""
    with pytest.raises(FileNotFoundError, match="'heart.csv' is not in LGC_DATA_DIR=.*unset"):
        fetch("heart.csv")


def test_unregistered_file_is_refused():
    """fetch refuses a name that is not in the registry."""
    with pytest.raises(ValueError, match="unknown data file 'wine.csv'"):
        fetch("wine.csv")


def test_every_file_a_problem_reads_is_registered():
    """The problems read only files whose hash is known."""
    from lgc.problems import PROBLEMS
    assert {f for spec in PROBLEMS.values() for f in spec.files} <= set(REGISTRY)


def test_the_datas_provenance_depends_on_no_other_part_of_lgc():
    """lgc.datafiles sits below the problems: it imports no module of lgc."""
    tree = ast.parse(Path(lgc.datafiles.__file__).read_text())
    relative = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level]
    absolute = [a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
                for a in getattr(n, "names", []) if (getattr(n, "module", "") or a.name)
                .startswith("lgc")]
    assert not relative and not absolute


def test_the_old_names_in_lgc_problems_are_the_same_objects():
    """Callers that import the file functions from lgc.problems still get these."""
    from lgc import problems
    for name in ("REGISTRY", "fetch", "file_hashes", "download_all"):
        assert getattr(problems, name) is getattr(lgc.datafiles, name)
