"""Specification of lgc._arrays: gradient-only walks in another array library.

``array_api_strict`` stands in for a GPU library such as CuPy: it implements
the Python array API standard and nothing else, so code that runs on it uses
no numpy-only function, and it computes with numpy underneath, so its numbers
can be held against numpy's.
"""
from dataclasses import replace
import sys

import numpy as np
import pytest
import scipy.special

import array_api_strict as xps
from lgc import derivatives, load_problem
from lgc._arrays import backend, expit, log_expit, to_numpy
from lgc.network import Architecture
from lgc.walks import WalkSettings, progressive_gradient_walk

IRIS = load_problem("iris")


def test_sigmoid_and_its_log_in_a_standard_library_match_scipy_without_overflow():
    """The textbook formulas agree with scipy.special to rounding, from -800 to 800."""
    z = np.linspace(-800, 800, 4001)
    with np.errstate(over="ignore"):
        y, log_y = to_numpy(expit(xps.asarray(z))), to_numpy(log_expit(xps.asarray(z)))
    np.testing.assert_allclose(y, scipy.special.expit(z), rtol=1e-14, atol=0)
    np.testing.assert_allclose(log_y, scipy.special.log_expit(z), rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize("kind", ["sse", "ce"])
def test_loss_and_gradient_in_a_standard_library_equal_numpys_to_rounding(kind):
    """derivatives.loss_and_grad runs unchanged on array_api_strict arrays."""
    arch = Architecture(IRIS.n_in, IRIS.hidden, IRIS.n_out)
    W = np.random.default_rng(1).uniform(-1, 1, (4, arch.dim))
    X, T = IRIS.X_train, IRIS.T_train
    E, G, _ = derivatives.loss_and_grad(W, X, T, kind, arch)
    Es, Gs, _ = derivatives.loss_and_grad(xps.asarray(W), xps.asarray(X), xps.asarray(T),
                                          kind, arch)
    assert Gs.__array_namespace__() is xps and not isinstance(Gs, np.ndarray)
    np.testing.assert_allclose(to_numpy(Es), E, rtol=1e-13)
    np.testing.assert_allclose(to_numpy(Gs), G, rtol=1e-11, atol=1e-15)


@pytest.mark.parametrize("batch_size", [None, 10], ids=["full batch", "mini-batches"])
@pytest.mark.parametrize("kind", ["sse", "ce"])
def test_gradient_only_walks_in_a_standard_library_take_numpys_steps(kind, batch_size):
    """The same walks on array_api_strict: the same random draws, so the same
    weights while no gradient sign differs, and records equal to rounding."""
    problem = replace(IRIS, batch_size=batch_size)
    settings = WalkSettings(kind, 1.0, 0.2, 25, hessian="none")
    ref = progressive_gradient_walk(problem, settings, range(5), seed=3, weights_stride=4)
    out = progressive_gradient_walk(problem, replace(settings, backend="array_api_strict"),
                                    range(5), seed=3, weights_stride=4)
    np.testing.assert_array_equal(out["weights"], ref["weights"])
    for name in ("Et", "Eg", "Ct", "Cg", "grad_norm"):
        np.testing.assert_allclose(out[name], ref[name], rtol=1e-12, err_msg=name)
    # and it did run there: its textbook sigmoid rounds unlike scipy's somewhere
    assert any(not np.array_equal(out[k], ref[k]) for k in ("Et", "Eg", "grad_norm"))


def test_another_backend_refuses_curvature_naming_both_ways_out():
    """Only gradient-only walks leave numpy: the Hessian's factorisations are LAPACK's."""
    with pytest.raises(ValueError, match="backend 'cupy' runs gradient-only walks; got "
                                         "hessian='full'.*hessian='none' or backend 'numpy'"):
        WalkSettings("sse", 1.0, 0.2, 5, hessian="full", backend="cupy")


def test_unknown_backend_is_an_error_listing_the_known_ones():
    with pytest.raises(ValueError, match="unknown array backend 'jax'.*numpy.*cupy"):
        WalkSettings("sse", 1.0, 0.2, 5, hessian="none", backend="jax")


def test_a_backend_not_installed_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # import cupy now raises ImportError
    with pytest.raises(ImportError, match="'cupy' is not installed: pip install 'cupy"):
        backend("cupy")
