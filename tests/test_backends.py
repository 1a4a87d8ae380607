"""Specification of lgc._arrays: walks in another array library than numpy.

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
from lgc import derivatives, load_problem, walks
from lgc._arrays import backend, expit, log_expit, namespace, to_numpy
from lgc.curvature import inertia
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


def _converted(monkeypatch):
    """Spy on the one door by which a walk's records leave its array library
    (lgc.walks' to_numpy): the list it returns fills with the namespace of
    every array converted, the conversion itself unchanged."""
    seen = []

    def spy(x):
        seen.append(namespace(x))
        return to_numpy(x)

    monkeypatch.setattr(walks, "to_numpy", spy)
    return seen


@pytest.mark.parametrize("batch_size", [None, 10], ids=["full batch", "mini-batches"])
@pytest.mark.parametrize("kind", ["sse", "ce"])
def test_gradient_only_walks_in_a_standard_library_take_numpys_steps(kind, batch_size,
                                                                      monkeypatch):
    """The same walks on array_api_strict: the same random draws, so the same
    weights while no gradient sign differs, and records equal to rounding."""
    problem = replace(IRIS, batch_size=batch_size)
    settings = WalkSettings(kind, 1.0, 0.2, 25, hessian="none")
    seen = _converted(monkeypatch)
    ref = progressive_gradient_walk(problem, settings, range(5), seed=3, weights_stride=4)
    on_numpy, seen[:] = list(seen), []
    out = progressive_gradient_walk(problem, replace(settings, backend="array_api_strict"),
                                    range(5), seed=3, weights_stride=4)
    np.testing.assert_array_equal(out["weights"], ref["weights"])
    for name in ("Et", "Eg", "Ct", "Cg", "grad_norm"):
        np.testing.assert_allclose(out[name], ref[name], rtol=1e-12, err_msg=name)
    # and it did run there: every record and weight vector came out of an
    # array_api_strict array (5 records a step, 7 weight snapshots), where the
    # reference's came out of numpy's (not a rounding accident of either library)
    assert len(seen) == len(on_numpy) >= 5 * 25 + 7
    assert set(on_numpy) == {np} and set(seen) == {xps}


@pytest.mark.parametrize("name", ["xor", "iris", "glass", "heart"])
def test_hessian_in_a_standard_library_equals_numpys_to_rounding(name):
    """The dense Hessian (J^T D J and the second-order terms placed by identity
    matrices) against numpy's structured one, which the derivative tests hold
    against autograd; Heart also in the coordinates of its inputs' row space."""
    problem = load_problem(name)
    arch = Architecture(problem.n_in, problem.hidden, problem.n_out)
    W = np.random.default_rng(2).uniform(-2, 2, (3, arch.dim))
    X, T = problem.X_train, problem.T_train
    basis = derivatives.input_basis(X)
    assert (basis is not None) == (name == "heart")  # Heart's inputs are rank-deficient
    for kind in ("sse", "ce"):
        for U in [None] + ([] if basis is None else [basis]):
            H = derivatives.loss_grad_hessian(W, X, T, kind, arch, basis=U)[3]
            Hs = derivatives.loss_grad_hessian(xps.asarray(W), xps.asarray(X),
                                               xps.asarray(T), kind, arch, basis=U)[3]
            assert Hs.__array_namespace__() is xps
            np.testing.assert_allclose(to_numpy(Hs), H, rtol=0,
                                       atol=1e-13 * np.abs(H).max(), err_msg=kind)


@pytest.mark.parametrize("name, kind, r", [("xor", "ce", 10), ("iris", "sse", 10)])
def test_walks_with_curvature_in_a_standard_library_classify_as_numpy(name, kind, r):
    """The whole walk there, Hessian and eigenvalue counts included: the same steps
    and the same curvature class at every point, convex, saddle and singular alike."""
    problem = load_problem(name)
    settings = WalkSettings(kind, r, 0.2 * r, 100)
    ref = progressive_gradient_walk(problem, settings, range(6), seed=3, weights_stride=9)
    out = progressive_gradient_walk(problem, replace(settings, backend="array_api_strict"),
                                    range(6), seed=3, weights_stride=9)
    np.testing.assert_array_equal(out["weights"], ref["weights"])
    np.testing.assert_array_equal(out["curvature"], ref["curvature"])
    assert len(np.unique(ref["curvature"])) >= 2  # more than one class was told apart


@pytest.mark.parametrize("mode, singular", [("blocks", "tolerance"), ("full", "float32")])
def test_the_authors_curvature_variants_run_in_a_standard_library(mode, singular):
    """Per-tensor blocks and the emulated float32 singular test, there as in numpy."""
    settings = WalkSettings("ce", 10, 2.0, 20, hessian=mode, singular=singular)
    ref = progressive_gradient_walk(IRIS, settings, range(4), seed=5)
    out = progressive_gradient_walk(IRIS, replace(settings, backend="array_api_strict"),
                                    range(4), seed=5)
    np.testing.assert_array_equal(out["curvature"], ref["curvature"])


def test_eigenvalue_records_in_a_standard_library_match_numpys():
    """eigenvalues=True there: the same counts, and the extremes to rounding."""
    settings = WalkSettings("sse", 10, 2.0, 20, eigenvalues=True)
    ref = progressive_gradient_walk(IRIS, settings, range(4), seed=6)
    out = progressive_gradient_walk(IRIS, replace(settings, backend="array_api_strict"),
                                    range(4), seed=6)
    for name in ("curvature", "n_pos", "n_neg", "n_zero"):
        np.testing.assert_array_equal(out[name], ref[name])
    for name in ("lambda_min", "lambda_max"):
        np.testing.assert_allclose(out[name], ref[name], rtol=1e-9)


def test_ldl_inertia_refuses_another_librarys_arrays_and_names_the_way_out():
    """LDL^T is LAPACK's dsytrf: numpy only; eigenvalues serve everywhere."""
    H = xps.asarray(np.eye(30)[None])
    with pytest.raises(ValueError, match="'ldl' needs numpy arrays.*use 'eigh'"):
        inertia(H, 1e-12, "ldl")
    assert [int(c[0]) for c in inertia(H, 1e-12)] == [30, 0, 0]


def test_unknown_backend_is_an_error_listing_the_known_ones():
    with pytest.raises(ValueError, match="unknown array backend 'jax'.*numpy.*cupy"):
        WalkSettings("sse", 1.0, 0.2, 5, hessian="none", backend="jax")


def test_a_backend_not_installed_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # import cupy now raises ImportError
    with pytest.raises(ImportError, match="'cupy' is not installed: pip install 'cupy"):
        backend("cupy")
