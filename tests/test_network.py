"""Specification of lgc.network: the paper's network and losses."""
import numpy as np
import pytest

from lgc.network import (Architecture, accuracy, forward, infer_architecture, loss, loss_grad,
                         loss_hessian, pack, unpack)

XOR_X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
XOR_T = np.array([[0.], [1.], [1.], [0.]])


def _numeric_grad(f, w, h=1e-6):
    e = np.eye(len(w))
    return np.array([(f(w + h * e[i]) - f(w - h * e[i])) / (2 * h) for i in range(len(w))])


@pytest.mark.parametrize("arch,dim", [((2, 2, 1), 9), ((4, 4, 3), 35), ((8, 8, 1), 81),
                                      ((9, 9, 6), 150), ((30, 10, 1), 321),
                                      ((32, 10, 1), 341), ((784, 10, 10), 7960)])
def test_dimension_matches_table_2(arch, dim):
    """Architecture.dim reproduces the paper's Table 2 dimensions."""
    assert Architecture(*arch).dim == dim


def test_pack_unpack_round_trip_in_documented_order():
    """The flat vector is W1 row-major, b1, W2 row-major, b2."""
    arch = Architecture(2, 3, 2)
    w = np.arange(arch.dim, dtype=float)
    W1, b1, W2, b2 = unpack(w, arch)
    assert W1[1, 0] == 3 and b1[0] == 6 and W2[0, 1] == 10 and b2[1] == 16
    np.testing.assert_array_equal(pack(W1, b1, W2, b2), w)


def test_forward_matches_hand_computation():
    """Y = sigmoid(sigmoid(X W1 + b1) W2 + b2) computed by hand for XOR."""
    rng = np.random.default_rng(0)
    w = rng.normal(size=9)
    W1, b1, W2, b2 = w[:4].reshape(2, 2), w[4:6], w[6:8].reshape(2, 1), w[8:]
    sig = lambda z: 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(forward(w, XOR_X, Architecture(2, 2, 1)),
                               sig(sig(XOR_X @ W1 + b1) @ W2 + b2), rtol=1e-14)


def test_sse_is_mean_squared_error_of_outputs():
    """SSE is the mean over patterns and outputs of (y - t)^2
    (docs/departures.md#d7-both-losses-are-means-and-ce-is-binary)."""
    w = np.random.default_rng(1).normal(size=9)
    Y = forward(w, XOR_X, Architecture(2, 2, 1))
    assert float(loss(w, XOR_X, XOR_T, "sse")) == pytest.approx(np.mean((Y - XOR_T) ** 2))


def test_ce_is_mean_binary_cross_entropy_of_outputs():
    """CE is element-wise binary cross-entropy of sigmoid outputs, averaged (item 7)."""
    rng = np.random.default_rng(2)
    X, T = rng.normal(size=(5, 4)), np.eye(3)[rng.integers(0, 3, 5)]
    w = rng.normal(size=35)
    Y = forward(w, X, Architecture(4, 4, 3))
    expected = -np.mean(T * np.log(Y) + (1 - T) * np.log(1 - Y))
    assert float(loss(w, X, T, "ce")) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("scale", [50.0, 1e3, 1e6, 1e300])
@pytest.mark.parametrize("kind", ["sse", "ce"])
def test_reference_stays_finite_for_huge_weights(kind, scale):
    """Saturated units give a finite loss, gradient and Hessian: no overflow, NaN or log(0)."""
    w = scale * np.array([1, -1, 1, -1, 1, -1, 1, -1, 1.0])
    assert np.isfinite(float(loss(w, XOR_X, XOR_T, kind)))
    assert np.all(np.isfinite(loss_grad(w, XOR_X, XOR_T, kind)))
    assert np.all(np.isfinite(loss_hessian(w, XOR_X, XOR_T, kind)))


def _one_unit_case(case, kind, s):
    """(w, T, loss, gradient, Hessian) on paper for one input x = 1, one hidden
    unit and one output, w = (W1, b1, W2, b2) of size s: the saturated limits
    (SSE flat, CE -> z with gradient dz/dw, Hessian -> 0) and exact cancellations
    to z = 0 with a saturated or an unsaturated hidden unit."""
    if case == "wrong saturated output":  # A = s, Z = s, T = 0: y = 1
        w, T = s * np.array([1.0, 0.0, 1.0, 0.0]), np.zeros((1, 1))
        if kind == "sse":  # the loss is flat at 1
            return w, T, 1.0, np.zeros(4), np.zeros((4, 4))
        return w, T, s, np.array([0.0, 0.0, 1.0, 1.0]), np.zeros((4, 4))  # CE = z
    # the output at z = 0 (y = 1/2, T = 1): l' and l'' by hand
    T = np.ones((1, 1))
    L, d1, d2 = (0.25, -0.25, 0.125) if kind == "sse" else (np.log(2.0), -0.5, 0.25)
    E = np.zeros((4, 4))  # d2 z / dw2 = sigmoid'(a) x between W~1 and W2
    if case == "saturated hidden unit":  # A = s: s' = 0, S = 1; Z = s - s = 0
        w, J = s * np.array([1.0, 0.0, 1.0, -1.0]), np.array([0.0, 0.0, 1.0, 1.0])
    else:  # "balanced": A = s - s = 0 (s' = 1/4, s'' = 0), Z = s/2 - s/2 = 0
        w, J = s * np.array([1.0, -1.0, 1.0, -0.5]), np.array([s / 4, s / 4, 0.5, 1.0])
        E[[0, 1], 2] = E[2, [0, 1]] = 0.25
    return w, T, L, d1 * J, d2 * np.outer(J, J) + d1 * E


@pytest.mark.parametrize("s", [1e3, 1e6])
@pytest.mark.parametrize("kind", ["sse", "ce"])
@pytest.mark.parametrize("case", ["saturated hidden unit", "wrong saturated output", "balanced"])
def test_one_unit_network_at_huge_weights_has_its_values_on_paper(case, kind, s):
    """autograd's loss, gradient and Hessian of a 1-1-1 network with |w| = s are those on paper."""
    w, T, L, g, H = _one_unit_case(case, kind, s)
    X = np.ones((1, 1))
    assert float(loss(w, X, T, kind)) == pytest.approx(L, rel=1e-15)
    np.testing.assert_allclose(loss_grad(w, X, T, kind), g, rtol=1e-15, atol=0)
    np.testing.assert_allclose(loss_hessian(w, X, T, kind), H, rtol=1e-15, atol=0)


def test_ce_of_a_right_saturated_output_keeps_its_tiny_loss_gradient_and_hessian():
    """A right output at logit 40 costs e^-40, with slope and curvature of that size, not 0."""
    w, X, T = np.array([0.0, 0.0, 0.0, 40.0]), np.ones((1, 1)), np.ones((1, 1))
    e = np.exp(-40.0)  # l = log(1 + e) ~ e, l' = -sigmoid(-40) ~ -e, l'' ~ e; s = 1/2, s' = 1/4
    H = e * np.array([[0, 0, -0.25, 0], [0, 0, -0.25, 0], [-0.25, -0.25, 0.25, 0.5],
                      [0, 0, 0.5, 1]])
    assert float(loss(w, X, T, "ce")) == pytest.approx(e, rel=1e-14)
    np.testing.assert_allclose(loss_grad(w, X, T, "ce"), [0, 0, -e / 2, -e], rtol=1e-14, atol=0)
    np.testing.assert_allclose(loss_hessian(w, X, T, "ce"), H, rtol=1e-14, atol=0)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("fn", [loss, loss_grad, loss_hessian,
                                lambda w, X, T, kind: forward(w, X, Architecture(2, 2, 1))],
                         ids=["loss", "loss_grad", "loss_hessian", "forward"])
def test_non_finite_weights_are_rejected_naming_the_first(fn, bad):
    """A NaN or infinite weight is a ValueError naming its index and value, not a NaN result."""
    w = np.zeros(9)
    w[[3, 7]] = bad
    with pytest.raises(ValueError, match=rf"weights must be finite: w\[3\] = {bad} \(2 "):
        fn(w, XOR_X, XOR_T, "sse")


def test_ce_of_saturated_wrong_output_is_the_logit():
    """CE from logits: a wrong output saturated at logit z costs about z, not inf."""
    w = np.array([0.0, 0.0, 0.0, 800.0])  # output logit 800 for every pattern
    X, T = np.zeros((1, 1)), np.zeros((1, 1))
    assert float(loss(w, X, T, "ce")) == pytest.approx(800.0)


@pytest.mark.parametrize("kind", ["sse", "ce"])
def test_autograd_gradient_matches_finite_differences(kind):
    """autograd's gradient of the loss agrees with central differences."""
    w = np.random.default_rng(3).uniform(-2, 2, 9)
    num = _numeric_grad(lambda v: float(loss(v, XOR_X, XOR_T, kind)), w)
    np.testing.assert_allclose(loss_grad(w, XOR_X, XOR_T, kind), num, atol=1e-8)


def test_unknown_loss_is_rejected_with_choices():
    """An unknown loss names the value and the allowed ones."""
    with pytest.raises(ValueError, match=r"unknown loss 'mse'.*sse.*ce"):
        loss(np.zeros(9), XOR_X, XOR_T, "mse")


def test_weight_vector_of_wrong_length_is_rejected():
    """A weight vector that fits no hidden width is a clear error."""
    with pytest.raises(ValueError, match="length 10"):
        infer_architecture(np.zeros(10), XOR_X, XOR_T)


def test_accuracy_rounds_single_output_and_argmaxes_several():
    """Accuracy: round(y) == t for one output, argmax for several
    (docs/departures.md#d10-appendix-b-reports-accuracies)."""
    assert accuracy(np.array([[0.4], [0.6], [0.9]]), np.array([[0.], [0.], [1.]])) == pytest.approx(2 / 3)
    Y = np.array([[0.2, 0.7, 0.1], [0.5, 0.3, 0.2]])
    T = np.array([[0., 1., 0.], [0., 0., 1.]])
    assert accuracy(Y, T) == 0.5
