"""The array library a walk runs in: numpy, or CuPy on a GPU (issue 4).

Walks are written against the Python array API standard (their Hessians too,
densely, off numpy: lgc.derivatives._dense_hessian), so the same code runs on
any library that follows it. numpy is the default and the reference: on numpy
the code takes scipy's special functions and the very operations it always
did, so its numbers do not change. CuPy (version 14 on, whose main namespace
follows the standard) gets CuPy's own special functions. Any other standard library
(``array_api_strict``, which the tests use as a stand-in for a GPU library)
gets the textbook formulas, which round differently in the last bits.
"""
from __future__ import annotations

import importlib

import numpy as np
import scipy.special

BACKENDS = ("numpy", "cupy", "array_api_strict")
_INSTALL = {"cupy": "pip install 'cupy-cuda12x>=14' (an NVIDIA GPU and its driver)",
            "array_api_strict": "pip install array-api-strict"}


def check_backend(name: str) -> None:
    """Raise ValueError unless ``name`` is one of :data:`BACKENDS` (nothing imported)."""
    if name not in BACKENDS:
        raise ValueError(f"unknown array backend {name!r}: choose one of {BACKENDS}")


def backend(name: str):
    """The array namespace called ``name``: one of :data:`BACKENDS`."""
    check_backend(name)
    if name == "numpy":
        return np
    try:
        return importlib.import_module(name)
    except ImportError as err:
        raise ImportError(f"array backend {name!r} is not installed: {_INSTALL[name]}") from err


def namespace(x):
    """The array namespace of ``x``: numpy for numpy arrays and anything array-like."""
    if isinstance(x, np.ndarray):
        return np
    if type(x).__module__.partition(".")[0] == "cupy":  # its arrays may lack the hook
        return importlib.import_module("cupy")
    if hasattr(x, "__array_namespace__"):
        return x.__array_namespace__()
    return np


def to_numpy(x) -> np.ndarray:
    """A host numpy copy of ``x`` (no copy when it is numpy already)."""
    if isinstance(x, np.ndarray | np.generic):
        return np.asarray(x)
    if hasattr(x, "get"):  # CuPy: device to host
        return x.get()
    return np.from_dlpack(x)


def _special(xp):
    """scipy.special's counterpart for arrays of namespace xp, or None."""
    if xp is np:
        return scipy.special
    if getattr(xp, "__name__", "") == "cupy":
        return importlib.import_module("cupyx.scipy.special")
    return None


def expit(x):
    """Logistic sigmoid 1 / (1 + exp(-x)), in the array library of x."""
    xp = namespace(x)
    special = _special(xp)
    if special is not None:
        return special.expit(x)
    return 1.0 / (1.0 + xp.exp(-x))


def log_expit(x):
    """log(sigmoid(x)) = -log(1 + exp(-x)), without overflow."""
    xp = namespace(x)
    special = _special(xp)
    if special is not None and hasattr(special, "log_expit"):
        return special.log_expit(x)
    return -xp.logaddexp(xp.zeros_like(x), -x)
