"""Test set-up: read the exact data files from ../shared/data when no folder is given."""
import os
from pathlib import Path

import pytest

_SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
if not os.environ.get("LGC_DATA_DIR") and _SHARED.is_dir():
    os.environ["LGC_DATA_DIR"] = str(_SHARED)
os.environ.setdefault("TQDM_DISABLE", "1")


@pytest.fixture
def data_dir(monkeypatch):
    """The real data folder (LGC_DATA_DIR, else ../shared/data) as LGC_DATA_DIR, or skip."""
    folder = Path(os.environ.get("LGC_DATA_DIR") or _SHARED)
    if not all((folder / name).is_file() for name in ("iris_training.csv", "glass.csv")):
        pytest.skip(f"benchmark data not found in {folder}")
    monkeypatch.setenv("LGC_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def empty_dir(tmp_path, monkeypatch):
    """An empty LGC_DATA_DIR."""
    monkeypatch.setenv("LGC_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture(scope="module")
def mnist():
    """MNIST as lgc loads it (the test images, split 80/20 here), or skip."""
    from lgc.problems import load_problem
    try:
        return load_problem("mnist")
    except (FileNotFoundError, OSError, ValueError) as err:  # no MNIST images here
        pytest.skip(f"MNIST images not available: {err}")
