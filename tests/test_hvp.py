"""Specification of lgc.derivatives.hessian_vector_product: H v without forming H,
equal to autograd's Hessian times v, to the dense closed form and to differences of
the gradient."""
import numpy as np
import pytest

from lgc import derivatives
from lgc.network import Architecture, loss_grad, loss_hessian
from lgc.problems import load_problem

KINDS = ["sse", "ce"]


def _random_problem(arch, rng, P=9):
    X = rng.normal(size=(P, arch.n_in))
    T = np.eye(arch.n_out)[rng.integers(0, arch.n_out, P)] if arch.n_out > 1 else \
        rng.integers(0, 2, (P, 1)).astype(float)
    return X, T


def _problem(name, rng):
    """(arch, X, T): XOR and Iris as loaded, or a small random problem (6-5-2)."""
    if name == "random":
        arch = Architecture(6, 5, 2)
        return (arch, *_random_problem(arch, rng))
    p = load_problem(name)
    return Architecture(p.n_in, p.hidden, p.n_out), p.X_train, p.T_train


def _points(arch, rng, where):
    """Ordinary points (uniform in [-3, 3]) or saturated ones (every weight +-50)."""
    if where == "ordinary":
        return rng.uniform(-3, 3, (3, arch.dim))
    return 50.0 * rng.choice([-1.0, 1.0], (3, arch.dim))


@pytest.mark.parametrize("where", ["ordinary", "saturated"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["xor", "iris", "random"])
def test_hvp_equals_autograds_hessian_times_v(name, kind, where):
    """Row i is autograd.hessian(loss)(W[i]) @ V[i], to rounding relative to |H| |v|;
    at saturated points also to the Hessian's absolute rounding: the closed forms
    take s' = s (1 - s), whose 1 - s keeps no digits below eps once s rounds to 1
    (lgc.derivatives, and its tests at huge weights)."""
    rng = np.random.default_rng(0)
    arch, X, T = _problem(name, rng)
    W, V = _points(arch, rng, where), rng.normal(size=(3, arch.dim))
    HV = derivatives.hessian_vector_product(W, V, X, T, kind, arch)
    for i in range(3):
        H = loss_hessian(W[i], X, T, kind)
        scale = np.abs(H) @ np.abs(V[i])  # the size of the sums, term by term
        atol = 10 * np.finfo(float).eps * np.abs(W[i]).max() * np.abs(V[i]).sum() \
            if where == "saturated" else 1e-300
        np.testing.assert_array_less(np.abs(HV[i] - H @ V[i]), 1e-12 * scale + atol)


@pytest.mark.parametrize("where", ["ordinary", "saturated"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["xor", "iris", "random"])
def test_hvp_equals_the_dense_closed_form_hessian_times_v(name, kind, where):
    """The product equals lgc.derivatives.hessian's matrix times v, network by network."""
    rng = np.random.default_rng(1)
    arch, X, T = _problem(name, rng)
    W, V = _points(arch, rng, where), rng.normal(size=(3, arch.dim))
    HV = derivatives.hessian_vector_product(W, V, X, T, kind, arch)
    H = derivatives.hessian(W, X, T, kind, arch)
    scale = np.einsum("nij,nj->ni", np.abs(H), np.abs(V))
    np.testing.assert_array_less(np.abs(HV - np.einsum("nij,nj->ni", H, V)),
                                 1e-12 * scale + 1e-300)


@pytest.mark.parametrize("kind", KINDS)
def test_hvp_is_the_directional_derivative_of_the_gradient(kind):
    """H v = (g(w + h v) - g(w - h v)) / 2h to O(h^2), g autograd's gradient."""
    rng = np.random.default_rng(2)
    arch = Architecture(5, 4, 3)
    X, T = _random_problem(arch, rng)
    w, v = rng.uniform(-2, 2, arch.dim), rng.normal(size=arch.dim)
    step = 1e-5
    fd = (loss_grad(w + step * v, X, T, kind) - loss_grad(w - step * v, X, T, kind)) / (2 * step)
    HV = derivatives.hessian_vector_product(w[None], v[None], X, T, kind, arch)[0]
    np.testing.assert_allclose(HV, fd, rtol=1e-6, atol=1e-9)


def test_hvp_is_symmetric_in_its_two_directions():
    """u . (H v) = v . (H u): the operator is the symmetric Hessian's."""
    rng = np.random.default_rng(3)
    arch = Architecture(4, 4, 3)
    X, T = _random_problem(arch, rng)
    W, U, V = (rng.normal(size=(2, arch.dim)) for _ in range(3))
    HU = derivatives.hessian_vector_product(W, U, X, T, "sse", arch)
    HV = derivatives.hessian_vector_product(W, V, X, T, "sse", arch)
    np.testing.assert_allclose(np.sum(V * HU, 1), np.sum(U * HV, 1), rtol=1e-12)


def test_per_network_data_gives_each_network_its_own_batch():
    """With X (n, P, n_in), network i's product is on its own batch X[i] (MNIST)."""
    rng = np.random.default_rng(4)
    arch = Architecture(3, 2, 2)
    X, T = rng.normal(size=(2, 6, 3)), np.eye(2)[rng.integers(0, 2, (2, 6))]
    W, V = rng.normal(size=(2, arch.dim)), rng.normal(size=(2, arch.dim))
    HV = derivatives.hessian_vector_product(W, V, X, T, "ce", arch)
    for i in range(2):
        np.testing.assert_allclose(HV[i], loss_hessian(W[i], X[i], T[i], "ce") @ V[i],
                                   rtol=1e-10, atol=1e-15)


def test_operator_reuses_one_forward_pass_for_many_directions():
    """hessian_operator's map gives, direction after direction, the one-shot product."""
    rng = np.random.default_rng(5)
    arch = Architecture(4, 3, 1)
    X, T = _random_problem(arch, rng)
    W = rng.normal(size=(2, arch.dim))
    matvec = derivatives.hessian_operator(W, X, T, "sse", arch)
    for _ in range(3):
        V = rng.normal(size=W.shape)
        np.testing.assert_array_equal(
            matvec(V), derivatives.hessian_vector_product(W, V, X, T, "sse", arch))


def test_a_networks_product_does_not_depend_on_its_batch():
    """Network i's H v is the same bits alone as among other networks."""
    rng = np.random.default_rng(6)
    arch = Architecture(4, 4, 3)
    X, T = _random_problem(arch, rng)
    W, V = rng.normal(size=(5, arch.dim)), rng.normal(size=(5, arch.dim))
    HV = derivatives.hessian_vector_product(W, V, X, T, "ce", arch)
    np.testing.assert_array_equal(
        HV[2:3], derivatives.hessian_vector_product(W[2:3], V[2:3], X, T, "ce", arch))


def test_directions_of_the_wrong_shape_are_rejected():
    arch = Architecture(2, 2, 1)
    X, T = np.zeros((4, 2)), np.zeros((4, 1))
    with pytest.raises(ValueError, match=r"directions must have the weights' shape \(2, 9\); "
                                         r"got \(2, 8\)"):
        derivatives.hessian_vector_product(np.zeros((2, 9)), np.zeros((2, 8)), X, T, "sse", arch)


def test_non_finite_weights_and_unknown_losses_are_rejected():
    arch = Architecture(2, 2, 1)
    X, T = np.zeros((4, 2)), np.zeros((4, 1))
    W = np.zeros((2, 9))
    W[1, 3] = np.nan
    with pytest.raises(ValueError, match=r"weights must be finite: w\[1, 3\] = nan"):
        derivatives.hessian_vector_product(W, W, X, T, "sse", arch)
    with pytest.raises(ValueError, match=r"unknown loss 'mse'"):
        derivatives.hessian_vector_product(np.zeros((1, 9)), np.zeros((1, 9)), X, T, "mse", arch)


def test_hvp_runs_in_another_array_library_with_numpys_numbers():
    """Written against the array API standard: array_api_strict (the tests' stand-in
    for a GPU library) gives numpy's product to rounding."""
    xps = pytest.importorskip("array_api_strict")
    rng = np.random.default_rng(7)
    arch = Architecture(4, 3, 2)
    X, T = _random_problem(arch, rng)
    W, V = rng.normal(size=(2, arch.dim)), rng.normal(size=(2, arch.dim))
    ref = derivatives.hessian_vector_product(W, V, X, T, "ce", arch)
    got = derivatives.hessian_vector_product(*(xps.asarray(a) for a in (W, V, X, T)), "ce", arch)
    np.testing.assert_allclose(np.asarray(got), ref, rtol=1e-12, atol=1e-16)


@pytest.mark.parametrize("activation, kind, alpha", [("tanh", "ce", None),
                                                     ("relu", "sse", None),
                                                     ("elu", "ce", None),
                                                     ("sigmoid", "hybrid", 0.25)])
def test_hvp_of_every_activation_and_the_hybrid_equals_autograds(activation, kind, alpha):
    """The R-operator takes the activation's f' and f'' for s' and s'': each row is
    autograd's Hessian of that network's loss times v."""
    rng = np.random.default_rng(3)
    arch, X, T = _problem("random", rng)
    W, V = rng.uniform(-2, 2, (2, arch.dim)), rng.normal(size=(2, arch.dim))
    model = derivatives.Model(kind, activation, "sigmoid", alpha)
    HV = derivatives.hessian_vector_product(W, V, X, T, kind, arch, model)
    for i in range(2):
        H = loss_hessian(W[i], X, T, kind, activation=activation, alpha=alpha)
        np.testing.assert_allclose(HV[i], H @ V[i], rtol=1e-10,
                                   atol=1e-12 * np.abs(H).max() * np.abs(V[i]).sum())


def test_hvp_refuses_a_softmax_output_layer():
    rng = np.random.default_rng(0)
    arch, X, T = _problem("random", rng)
    W = rng.normal(size=(1, arch.dim))
    with pytest.raises(ValueError, match="sigmoid output units; got output='softmax'"):
        derivatives.hessian_vector_product(W, W, X, T, "ce", arch,
                                           derivatives.Model("ce", "sigmoid", "softmax"))
