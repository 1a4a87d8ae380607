"""Test set-up: read the exact data files from ../shared/data when no folder is given."""
import os
from pathlib import Path

_SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
if not os.environ.get("LGC_DATA_DIR") and _SHARED.is_dir():
    os.environ["LGC_DATA_DIR"] = str(_SHARED)
os.environ.setdefault("TQDM_DISABLE", "1")
