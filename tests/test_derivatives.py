"""Specification of lgc.derivatives: closed-form batched derivatives equal autograd's."""
import numpy as np
import pytest

from lgc import derivatives
from lgc.network import Architecture, loss, loss_grad, loss_hessian

# one output or several; d from 9 to 81 (Diabetes-sized)
ARCHS = [Architecture(2, 2, 1), Architecture(4, 4, 3), Architecture(3, 5, 2),
         Architecture(8, 8, 1)]


def _data(arch, rng, P=7):
    X = rng.normal(size=(P, arch.n_in))
    T = np.eye(arch.n_out)[rng.integers(0, arch.n_out, P)] if arch.n_out > 1 else \
        rng.integers(0, 2, (P, 1)).astype(float)
    return X, T


@pytest.mark.parametrize("kind", ["sse", "ce"])
@pytest.mark.parametrize("arch", ARCHS, ids=str)
def test_batched_loss_and_gradient_equal_autograd(arch, kind):
    """Loss and gradient of each network in a batch equal autograd's, to rounding."""
    rng = np.random.default_rng(0)
    X, T = _data(arch, rng)
    W = rng.uniform(-3, 3, (4, arch.dim))
    L, G, _ = derivatives.loss_and_grad(W, X, T, kind, arch)
    for i in range(4):
        assert L[i] == pytest.approx(float(loss(W[i], X, T, kind)), rel=1e-12)
        np.testing.assert_allclose(G[i], loss_grad(W[i], X, T, kind), rtol=1e-9, atol=1e-14)


@pytest.mark.parametrize("kind", ["sse", "ce"])
@pytest.mark.parametrize("arch", ARCHS, ids=str)
def test_batched_hessian_equals_autograd(arch, kind):
    """The hand-derived Hessian equals autograd.hessian for every network in a batch."""
    rng = np.random.default_rng(1)
    X, T = _data(arch, rng)
    W = rng.uniform(-3, 3, (3, arch.dim))
    H = derivatives.hessian(W, X, T, kind, arch)
    for i in range(3):
        np.testing.assert_allclose(H[i], loss_hessian(W[i], X, T, kind), rtol=1e-9, atol=1e-14)


@pytest.mark.parametrize("kind", ["sse", "ce"])
def test_hessian_matches_finite_differences_of_gradient(kind):
    """Columns of the Hessian are central differences of the closed-form gradient."""
    arch = Architecture(3, 4, 2)
    rng = np.random.default_rng(2)
    X, T = _data(arch, rng)
    w = rng.uniform(-2, 2, arch.dim)
    h, E = 1e-6, np.eye(arch.dim)
    _, Gp, _ = derivatives.loss_and_grad(w + h * E, X, T, kind, arch)
    _, Gm, _ = derivatives.loss_and_grad(w - h * E, X, T, kind, arch)
    H = derivatives.hessian(w[None], X, T, kind, arch)[0]
    np.testing.assert_allclose(H, (Gp - Gm) / (2 * h), atol=1e-7)


def test_hessian_is_symmetric():
    """Each Hessian in the batch is exactly symmetric up to rounding."""
    arch = Architecture(4, 4, 3)
    rng = np.random.default_rng(3)
    X, T = _data(arch, rng)
    H = derivatives.hessian(rng.normal(size=(2, arch.dim)), X, T, "sse", arch)
    np.testing.assert_allclose(H, H.transpose(0, 2, 1), atol=1e-15)


def test_per_network_data_gives_each_network_its_own_batch():
    """With X of shape (n, P, n_in), network i is evaluated on X[i] (MNIST batches)."""
    arch = Architecture(3, 2, 2)
    rng = np.random.default_rng(4)
    X, T = rng.normal(size=(2, 5, 3)), np.eye(2)[rng.integers(0, 2, (2, 5))]
    W = rng.normal(size=(2, arch.dim))
    L, G, _ = derivatives.loss_and_grad(W, X, T, "ce", arch)
    for i in range(2):
        assert L[i] == pytest.approx(float(loss(W[i], X[i], T[i], "ce")))
        np.testing.assert_allclose(G[i], loss_grad(W[i], X[i], T[i], "ce"), atol=1e-14)


@pytest.mark.parametrize("kind", ["sse", "ce"])
def test_saturated_networks_give_finite_derivatives(kind):
    """Weights far outside [-10, 10] give finite loss, gradient and Hessian."""
    arch = Architecture(2, 2, 1)
    X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
    T = np.array([[0.], [1.], [1.], [0.]])
    W = np.full((1, 9), 200.0) * np.array([1, -1, 1, -1, 1, -1, 1, -1, 1])
    L, G, _ = derivatives.loss_and_grad(W, X, T, kind, arch)
    H = derivatives.hessian(W, X, T, kind, arch)
    assert np.isfinite(L).all() and np.isfinite(G).all() and np.isfinite(H).all()


@pytest.mark.parametrize("scale", [1e3, 1e6])
@pytest.mark.parametrize("kind", ["sse", "ce"])
@pytest.mark.parametrize("arch", ARCHS, ids=str)
def test_closed_forms_equal_autograd_at_huge_weights(arch, kind, scale):
    """At |w| ~ 1e3, 1e6 the autograd loss, gradient and Hessian are finite and match these."""
    rng = np.random.default_rng(5)
    X, T = _data(arch, rng)
    # uniform points, and corners +-scale, whose output logits can cancel to 0 exactly
    W = scale * np.concatenate([rng.uniform(-1, 1, (3, arch.dim)),
                                rng.choice([-1.0, 1.0], (3, arch.dim))])
    L, G, _, H = derivatives.loss_grad_hessian(W, X, T, kind, arch)
    atol = 10 * np.finfo(float).eps * scale  # the closed forms' s' = s (1 - s) near s = 1
    for i in range(len(W)):
        ref = loss(W[i], X, T, kind), loss_grad(W[i], X, T, kind), loss_hessian(W[i], X, T, kind)
        assert all(np.isfinite(r).all() for r in ref)
        assert L[i] == pytest.approx(float(ref[0]), rel=1e-12)
        np.testing.assert_allclose(G[i], ref[1], rtol=1e-9, atol=atol)
        np.testing.assert_allclose(H[i], ref[2], rtol=1e-9, atol=atol)


@pytest.mark.parametrize("fn", [derivatives.loss_and_grad, derivatives.hessian,
                                derivatives.loss_grad_hessian, derivatives.batch_loss],
                         ids=lambda f: f.__name__)
def test_non_finite_weights_are_rejected_naming_network_and_weight(fn):
    """A NaN or infinite weight in a batch is a ValueError naming w[network, weight]."""
    arch = Architecture(2, 2, 1)
    W = np.zeros((3, arch.dim))
    W[1, 6], W[2, 0] = np.nan, -np.inf
    with pytest.raises(ValueError, match=r"weights must be finite: w\[1, 6\] = nan \(2 "):
        fn(W, np.zeros((4, 2)), np.zeros((4, 1)), "sse", arch)


def test_wrong_weight_shape_is_rejected():
    """A batch whose width is not d names the expected and the actual shape."""
    arch = Architecture(2, 2, 1)
    with pytest.raises(ValueError, match=r"\(n, 9\).*\(3, 8\)"):
        derivatives.loss_and_grad(np.zeros((3, 8)), np.zeros((4, 2)), np.zeros((4, 1)), "sse", arch)


@pytest.mark.parametrize("arch", [Architecture(4, 4, 3), Architecture(8, 8, 1),
                                  Architecture(6, 9, 4)], ids=str)
def test_a_networks_hessian_does_not_depend_on_its_batch(arch):
    """Bit for bit the same Hessian alone or with other networks (same seed, same numbers)."""
    rng = np.random.default_rng(11)
    X, T = _data(arch, rng, P=30)
    W = rng.uniform(-3, 3, (5, arch.dim))
    together = derivatives.hessian(W, X, T, "sse", arch)
    for i in range(5):
        np.testing.assert_array_equal(derivatives.hessian(W[i:i + 1], X, T, "sse", arch)[0],
                                      together[i])


@pytest.mark.parametrize("arch", [Architecture(4, 4, 3), Architecture(8, 8, 1)], ids=str)
def test_hessian_into_a_reused_buffer_overwrites_it_completely(arch):
    """hessian(..., out=buf) gives the fresh result whatever buf held before."""
    rng = np.random.default_rng(12)
    X, T = _data(arch, rng)
    W = rng.uniform(-3, 3, (3, arch.dim))
    buf = np.full((3, arch.dim, arch.dim), np.nan)
    derivatives.hessian(W, X, T, "ce", arch, out=buf)
    np.testing.assert_array_equal(buf, derivatives.hessian(W, X, T, "ce", arch))


def _dependent_inputs(rng, P=20):
    X = rng.normal(size=(P, 3))
    return np.column_stack([X, X[:, 0] - 2 * X[:, 2]])  # rank 4 of 5 with the bias


def test_input_basis_is_none_for_independent_inputs():
    """Inputs whose augmented matrix has full column rank need no restriction."""
    assert derivatives.input_basis(np.random.default_rng(0).normal(size=(20, 4))) is None


@pytest.mark.parametrize("kind", ["sse", "ce"])
def test_restricted_hessian_keeps_the_nonzero_eigenvalues_of_autograds(kind):
    """With dependent inputs, the Hessian in input_basis coordinates has exactly
    the eigenvalues of autograd's full Hessian that are not structural zeros."""
    rng = np.random.default_rng(11)
    arch = Architecture(4, 3, 2)
    X = _dependent_inputs(rng)
    T = np.eye(2)[rng.integers(0, 2, len(X))]
    basis = derivatives.input_basis(X)
    assert basis.shape == (5, 4)
    w = rng.normal(size=arch.dim)
    lam = np.linalg.eigvalsh(loss_hessian(w, X, T, kind))
    kept = lam[np.argsort(np.abs(lam))[arch.hidden:]]  # drop the h * (5 - 4) zeros
    Hr = derivatives.hessian(w[None], X, T, kind, arch, basis=basis)[0]
    assert Hr.shape == (arch.dim - arch.hidden,) * 2
    np.testing.assert_allclose(np.linalg.eigvalsh(Hr), np.sort(kept), atol=1e-12)


@pytest.mark.parametrize("call", ["batch_loss", "loss_and_grad", "loss_grad_hessian",
                                  "network", "walk"])
def test_a_listed_loss_without_derivatives_raises_instead_of_computing_ce(monkeypatch,
                                                                          call):
    """A loss name added to lgc.vocabulary.WALK_LOSSES but given no formula fails loudly.

    Every module validates against the vocabulary, so it sees the new name; the
    only thing missing is the formula: the network and the derivatives must name
    the loss, not fall through to cross-entropy.
    """
    from lgc import load_problem, network, vocabulary, walks
    monkeypatch.setattr(vocabulary, "WALK_LOSSES", vocabulary.WALK_LOSSES + ("hinge",))
    arch = Architecture(2, 2, 1)
    X, T = _data(arch, np.random.default_rng(0))
    W = np.random.default_rng(1).uniform(-1, 1, (3, arch.dim))
    with pytest.raises(ValueError, match=r"'hinge'.*\('sse', 'ce', 'hybrid'\)"):
        if call == "network":
            network.loss(W[0], X, T, "hinge")
        elif call == "walk":
            settings = walks.WalkSettings(kind="hinge", init_range=1.0, eps=0.02, steps=3,
                                          hessian="none")
            walks.progressive_gradient_walk(load_problem("xor"), settings, range(2))
        else:
            getattr(derivatives, call)(W, X, T, "hinge", arch)


@pytest.mark.parametrize("kind", ["SSE", "mse", ""])
def test_an_unlisted_loss_name_is_rejected_naming_the_allowed_ones(kind):
    arch = Architecture(2, 2, 1)
    X, T = _data(arch, np.random.default_rng(0))
    W = np.zeros((1, arch.dim))
    with pytest.raises(ValueError, match=r"sse.*ce"):
        derivatives.loss_and_grad(W, X, T, kind, arch)
