"""Specification of curvature at sampled points (lgc.lanczos) and of the blank-input
null space (lgc.curvature.zero_input_weights): extreme eigenvalues by Lanczos equal
numpy.linalg.eigvalsh's of the dense Hessian, and the exact classes equal those of
autograd's Hessian with its structural zeros discounted."""
import numpy as np
import pytest
from scipy.sparse import diags
from scipy.sparse.linalg import aslinearoperator

from lgc import derivatives, lanczos
from lgc.curvature import curvature, structural_zeros, zero_input_weights
from lgc.network import Architecture, loss_grad, loss_hessian
from lgc.problems import load_problem

KINDS = ["sse", "ce"]


def _random_problem(arch, rng, P):
    X = rng.normal(size=(P, arch.n_in))
    T = np.eye(arch.n_out)[rng.integers(0, arch.n_out, P)]
    return X, T


def _problem(name, rng):
    """(arch, X, T): XOR or Iris as loaded, or a random 40-10-5 network (d = 465)."""
    if name == "random":
        arch = Architecture(40, 10, 5)
        return (arch, *_random_problem(arch, rng, 60))
    p = load_problem(name)
    return Architecture(p.n_in, p.hidden, p.n_out), p.X_train, p.T_train


def _blank_and_dependent(rng, P=12):
    """Inputs with two blank columns and one column a combination of two others:
    rank 5 of 8 columns with the bias (5 inputs + bias non-blank, one dependent)."""
    X = rng.normal(size=(P, 7))
    X[:, [1, 4]] = 0.0
    X[:, 6] = X[:, 0] - 2.0 * X[:, 2]
    return X



@pytest.mark.parametrize("method", lanczos.LAMBDA_MIN_METHODS)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["xor", "iris", "random"])
def test_extreme_eigenvalues_equal_eigvalsh_of_the_dense_hessian(name, kind, method):
    """lambda_min and lambda_max of each point's full Hessian (null_space="none") are
    eigvalsh's first and last, to tol times the spectrum's size."""
    rng = np.random.default_rng(0)
    arch, X, T = _problem(name, rng)
    W = rng.uniform(-2, 2, (3, arch.dim))
    lo, hi = lanczos.extreme_eigenvalues(W, X, T, kind, arch, tol=1e-10, method=method,
                                         null_space="none")
    lam = np.linalg.eigvalsh(derivatives.hessian(W, X, T, kind, arch))
    size = np.abs(lam).max(axis=1)
    np.testing.assert_array_less(np.abs(lo - lam[:, 0]), 1e-9 * size)
    np.testing.assert_array_less(np.abs(hi - lam[:, -1]), 1e-9 * size)


@pytest.mark.parametrize("kind", KINDS)
def test_extreme_eigenvalues_at_saturated_points_are_relative_to_the_tiny_hessian(kind):
    """With inputs in [0, 1] (as pixels) and every weight +50 or every one -50, all
    units saturate and the Hessian is tiny (|lambda| far below ARPACK's
    convergence floor eps^(2/3) = 3.7e-11); the extremes still agree with eigvalsh
    to 1e-9 of its size, on d = 465 where Lanczos does not span the whole space."""
    rng = np.random.default_rng(1)
    arch = Architecture(40, 10, 5)
    X, T = rng.uniform(0, 1, (60, 40)), np.eye(5)[rng.integers(0, 5, 60)]
    W = 50.0 * np.stack([np.ones(arch.dim), -np.ones(arch.dim)])
    lam = np.linalg.eigvalsh(derivatives.hessian(W, X, T, kind, arch))
    size = np.abs(lam).max(axis=1)
    assert (size < 1e-20).all() and (size > 0).all()  # the case the rescaling is for
    lo, hi = lanczos.extreme_eigenvalues(W, X, T, kind, arch, tol=1e-10, null_space="none")
    np.testing.assert_array_less(np.abs(lo - lam[:, 0]), 1e-9 * size)
    np.testing.assert_array_less(np.abs(hi - lam[:, -1]), 1e-9 * size)


@pytest.mark.parametrize("method", lanczos.LAMBDA_MIN_METHODS)
@pytest.mark.parametrize("size", [1.0, 1e-30, 1e-200])
def test_operator_extremes_are_relative_whatever_the_operators_size(size, method):
    """A diagonal operator with known eigenvalues spread over [-1, 2] x size, dim 2,000:
    Lanczos finds both ends to 1e-8 of the size also where size is far below ARPACK's
    absolute convergence floor eps^(2/3) (the Hessian of saturated units)."""
    lam = size * np.concatenate([[-1.0, 2.0], np.random.default_rng(9).uniform(-0.9, 1.9, 1998)])
    lo, hi, products = lanczos.operator_extremes(aslinearoperator(diags(lam)), tol=1e-10,
                                                 method=method)
    assert abs(lo + size) < 1e-8 * size and abs(hi - 2 * size) < 1e-8 * size
    assert products < 2000


@pytest.mark.parametrize("kind", KINDS)
def test_extreme_eigenvalues_on_mnist_batches_equal_the_restricted_dense_hessians(mnist,
                                                                                   kind):
    """Three MNIST points, each on its own batch of 100: Lanczos on H v restricted to
    the batch's row space gives eigvalsh's extremes of the dense 1,110 x 1,110 Hessian
    there (lgc.derivatives.hessian with input_basis), whose other 6,850 eigenvalues
    are structural zeros."""
    rng = np.random.default_rng(2)
    arch = Architecture(mnist.n_in, mnist.hidden, mnist.n_out)
    idx = np.stack([rng.choice(len(mnist.X_train), 100, replace=False) for _ in range(3)])
    X, T = mnist.X_train[idx], mnist.T_train[idx]
    W = rng.uniform(-1, 1, (3, arch.dim))
    lo, hi = lanczos.extreme_eigenvalues(W, X, T, kind, arch, tol=1e-10)
    for i in range(3):
        H = derivatives.hessian(W[i:i + 1], X[i], T[i], kind, arch,
                                basis=derivatives.input_basis(X[i]))
        assert H.shape == (1, 1110, 1110)
        lam = np.linalg.eigvalsh(H[0])
        assert abs(lo[i] - lam[0]) < 1e-9 * abs(lam).max()
        assert abs(hi[i] - lam[-1]) < 1e-9 * abs(lam).max()


@pytest.mark.parametrize("null_space", ["rows", "pixels"])
def test_restriction_keeps_the_extremes_of_the_nonzero_eigenvalues(null_space):
    """With blank and dependent inputs, the extremes of the restricted Hessian are the
    extreme eigenvalues of autograd's full Hessian once its structural zeros (the
    h * 3 eigenvalues smallest in size) are set aside."""
    rng = np.random.default_rng(3)
    arch = Architecture(7, 3, 2)
    X = _blank_and_dependent(rng)
    T = np.eye(2)[rng.integers(0, 2, len(X))]
    W = rng.uniform(-2, 2, (3, arch.dim))
    lo, hi = lanczos.extreme_eigenvalues(W, X, T, "sse", arch, tol=1e-12,
                                         null_space=null_space)
    for i in range(3):
        lam = np.linalg.eigvalsh(loss_hessian(W[i], X, T, "sse"))
        kept = np.sort(lam[np.argsort(np.abs(lam))[structural_zeros(X, arch.hidden):]])
        assert lo[i] == pytest.approx(kept[0], rel=1e-9)
        assert hi[i] == pytest.approx(kept[-1], rel=1e-9)


def test_a_points_eigenvalues_do_not_depend_on_the_other_points():
    """The start vector is seeded once for all points: a point alone gives the same
    bits as in a stack, and the same again on a second call."""
    rng = np.random.default_rng(4)
    arch, X, T = _problem("random", rng)
    W = rng.uniform(-1, 1, (3, arch.dim))
    stack = lanczos.extreme_eigenvalues(W, X, T, "ce", arch)
    alone = lanczos.extreme_eigenvalues(W[1:2], X, T, "ce", arch)
    np.testing.assert_array_equal(np.array(stack)[:, 1:2], np.array(alone))
    np.testing.assert_array_equal(np.array(stack),
                                  np.array(lanczos.extreme_eigenvalues(W, X, T, "ce", arch)))


def test_products_are_counted_and_far_fewer_than_the_dimension():
    """return_products gives each point's Hessian-vector products: on d = 465 the
    two extremes take well under d products (a dense Hessian is d of them)."""
    rng = np.random.default_rng(5)
    arch, X, T = _problem("random", rng)
    *_, products = lanczos.extreme_eigenvalues(rng.uniform(-1, 1, (2, arch.dim)), X, T,
                                               "sse", arch, return_products=True)
    assert products.shape == (2,) and (products > 2).all() and (products < arch.dim / 2).all()


@pytest.mark.parametrize("kind", KINDS)
def test_exact_classes_equal_autograds_with_structural_zeros_discounted(kind):
    """All three null-space choices classify each point as lgc.curvature.curvature
    classifies autograd's full Hessian with structural_zeros(X) discounted."""
    rng = np.random.default_rng(6)
    arch = Architecture(7, 3, 2)
    X = _blank_and_dependent(rng)
    T = np.eye(2)[rng.integers(0, 2, len(X))]
    W = rng.uniform(-3, 3, (6, arch.dim))
    H = np.stack([loss_hessian(w, X, T, kind) for w in W])
    expected = curvature(H, n_structural=structural_zeros(X, arch.hidden), method="eigh")
    for null_space in lanczos.NULL_SPACES:
        np.testing.assert_array_equal(
            lanczos.point_classes(W, X, T, kind, arch, null_space=null_space), expected)


def test_exact_classes_include_minima_and_singular_points():
    """A point where every sigmoid is saturated has a Hessian of exactly zero eigenvalues
    beyond the structural ones (singular); a trained XOR network is a minimum (convex)."""
    X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
    T = np.array([[0.], [1.], [1.], [0.]])
    arch = Architecture(2, 2, 1)
    # a hand-made XOR solution: h1 = OR, h2 = AND, y = h1 and not h2, all at gain 20
    w = np.array([20., 20., 20., 20., -10., -30., 20., -20., -10.])
    assert np.abs(loss_grad(w, X, T, "ce")).max() < 1e-3
    dead = np.full(arch.dim, 1e3)  # sigmoid'(A) rounds to 0 exactly: H = 0
    codes, summary = lanczos.point_classes(np.stack([w, dead]), X, T, "ce", arch,
                                           eigenvalues=True)
    assert list(codes) == [0, 3]  # convex, singular
    assert summary["n_neg"][0] == 0 and summary["n_zero"][1] == arch.dim


def test_exact_classes_on_an_mnist_batch_agree_between_pixels_and_rows(mnist):
    """On an MNIST batch of 100, the Hessian without the blank pixels' weights (about
    5,200 x 5,200, the rest of the null space discounted) and the one restricted to the
    batch's row space (1,110 x 1,110) have the same class and the same non-zero counts."""
    rng = np.random.default_rng(7)
    arch = Architecture(mnist.n_in, mnist.hidden, mnist.n_out)
    idx = rng.choice(len(mnist.X_train), 100, replace=False)
    X, T = mnist.X_train[idx], mnist.T_train[idx]
    w = rng.uniform(-1, 1, (1, arch.dim))
    rows = lanczos.point_classes(w, X, T, "ce", arch, eigenvalues=True)
    pixels = lanczos.point_classes(w, X, T, "ce", arch, null_space="pixels", eigenvalues=True)
    assert rows[0] == pixels[0]
    for name in ("n_pos", "n_neg", "n_zero", "n_classified"):
        assert rows[1][name] == pixels[1][name], name
    assert rows[1]["n_classified"][0] == 1110


def test_blank_inputs_weights_have_exactly_zero_gradient_and_hessian_rows():
    """autograd's gradient entries, Hessian rows and columns of zero_input_weights'
    indices are exactly 0.0, and those of every other input weight are not all zero."""
    rng = np.random.default_rng(8)
    arch = Architecture(7, 3, 2)
    X = _blank_and_dependent(rng)
    T = np.eye(2)[rng.integers(0, 2, len(X))]
    w = rng.uniform(-2, 2, arch.dim)
    blank = zero_input_weights(X, arch.hidden)
    np.testing.assert_array_equal(blank, [3, 4, 5, 12, 13, 14])  # inputs 1 and 4, h = 3
    H, g = loss_hessian(w, X, T, "ce"), loss_grad(w, X, T, "ce")
    assert (H[blank] == 0.0).all() and (H[:, blank] == 0.0).all() and (g[blank] == 0.0).all()
    others = np.setdiff1d(np.arange(arch.n_in * arch.hidden), blank)
    assert (np.abs(H[others]).max(axis=1) > 0).all()


def test_mnist_test_images_leave_116_blank_pixels_times_10_hidden_units(mnist):
    """Over all 10,000 MNIST test images (both halves of the 80/20 split), 116 pixels
    are 0 on every image: 1,160 of the 7,840 input weights are in the null space."""
    X = np.concatenate([mnist.X_train, mnist.X_test])
    assert len(X) == 10000 or mnist.source != "t10k-split-80/20"
    if mnist.source != "t10k-split-80/20":
        pytest.skip("the count is of the official test images; training images are loaded")
    blank = zero_input_weights(X, mnist.hidden)
    assert len(blank) == 116 * 10
    assert len(np.unique(blank // mnist.hidden)) == 116


@pytest.mark.parametrize("call", ["extreme_eigenvalues", "point_classes"])
def test_unknown_null_space_is_rejected_naming_the_allowed_ones(call):
    arch = Architecture(2, 2, 1)
    X, T = np.eye(2)[[0, 1, 0, 1]], np.zeros((4, 1))
    with pytest.raises(ValueError, match=r"unknown null space 'blank': choose one of "
                                         r"\('rows', 'pixels', 'none'\)"):
        getattr(lanczos, call)(np.zeros((1, 9)), X, T, "sse", arch, null_space="blank")


def test_unknown_method_and_bad_tolerance_are_rejected():
    arch = Architecture(2, 2, 1)
    X, T = np.eye(2)[[0, 1, 0, 1]], np.zeros((4, 1))
    with pytest.raises(ValueError, match=r"unknown lambda_min method 'LM': choose one of "
                                         r"\('shift', 'SA'\)"):
        lanczos.extreme_eigenvalues(np.zeros((1, 9)), X, T, "sse", arch, method="LM")
    with pytest.raises(ValueError, match=r"tol must be a finite number >= 0; got -1"):
        lanczos.extreme_eigenvalues(np.zeros((1, 9)), X, T, "sse", arch, tol=-1)


def test_zero_input_weights_rejects_a_stack_of_batches():
    with pytest.raises(ValueError, match=r"X must be 2-D .* got shape \(2, 3, 4\)"):
        zero_input_weights(np.zeros((2, 3, 4)), 2)


def test_mnist_curvature_benchmark_prints_costs_and_points(mnist, capsys):
    """benchmarks/mnist_curvature.py, at its smallest, times both ways and prints a row
    per point whose Lanczos extremes are the dense ones."""
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "mnist_curvature.py"
    spec = importlib.util.spec_from_file_location("mnist_curvature", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = bench.main(["--walks", "1", "--steps", "2", "--stride", "1", "--pixels", "0",
                       "--losses", "ce"])
    out = capsys.readouterr().out
    assert "lanczos shift" in out and "exact class (rows, LDL^T)" in out
    assert [r["step"] for r in rows] == [0, 1]
    for r in rows:
        assert r["lambda_min"] == pytest.approx(r["dense_min"], rel=1e-6)
        assert r["lambda_max"] == pytest.approx(r["dense_max"], rel=1e-6)
