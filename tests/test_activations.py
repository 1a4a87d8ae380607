"""Specification of the landscapes beyond the paper: hidden activations, a softmax
output layer, the hybrid loss and the SSE-to-CE switch (docs/activations.md).

The oracles are autograd's derivatives of lgc.network (written with its own
overflow-safe primitives), central finite differences, and values on paper.
"""
import json

import numpy as np
import pandas as pd
import pytest

from lgc import derivatives, load_problem, network, vocabulary, walks
from lgc.cli import main
from lgc.curvature import float32_dead_units
from lgc.experiment import SampleConfig, run_sample
from lgc.network import Architecture
from lgc.store import Sample
from lgc.walks import WalkSettings, progressive_gradient_walk

XOR, IRIS = load_problem("xor"), load_problem("iris")
#: (loss, output, alpha): every loss with sigmoid outputs, and softmax with CE
MODELS = [("sse", "sigmoid", None), ("ce", "sigmoid", None), ("hybrid", "sigmoid", 0.3),
          ("ce", "softmax", None)]


def _problem(name):
    """(X, T, architecture) of XOR, Iris (a few patterns) or a random 3-class problem."""
    if name == "random":
        rng = np.random.default_rng(7)
        X = rng.normal(size=(9, 3))
        return X, np.eye(3)[rng.integers(0, 3, 9)], Architecture(3, 4, 3)
    p = {"xor": XOR, "iris": IRIS}[name]
    X, T = (p.X_train, p.T_train) if name == "xor" else (p.X_train[:12], p.T_train[:12])
    return X, T, Architecture(p.n_in, p.hidden, p.n_out)


def _cases():
    for act in vocabulary.ACTIVATIONS:
        for loss, output, alpha in MODELS:
            for name in ("xor", "iris", "random"):
                if output == "softmax" and name == "xor":
                    continue  # one output: no softmax
                yield pytest.param(act, loss, output, alpha, name,
                                   id=f"{act}-{loss}-{output}-{name}")


@pytest.mark.parametrize("scale", [2.0, 50.0], ids=["ordinary", "saturated"])
@pytest.mark.parametrize("act, loss, output, alpha, name", list(_cases()))
def test_closed_forms_equal_autograd_for_every_activation_output_and_loss(
        act, loss, output, alpha, name, scale):
    """Loss, gradient and full Hessian of each network in a batch equal autograd's,
    at ordinary weights and at weights of +-50, where units saturate."""
    X, T, arch = _problem(name)
    rng = np.random.default_rng(3)
    W = rng.uniform(-scale, scale, (3, arch.dim))
    if scale > 10:
        W[0] = scale * np.sign(rng.normal(size=arch.dim))  # every weight at +-50
    spec = dict(activation=act, output=output, alpha=alpha)
    L, G, _, H = derivatives.loss_grad_hessian(W, X, T, loss, arch, **spec)
    for i in range(len(W)):
        args = (W[i], X, T, loss, act, output, alpha)
        ref = network.loss(*args), network.loss_grad(*args), network.loss_hessian(*args)
        assert all(np.isfinite(r).all() for r in ref)
        assert L[i] == pytest.approx(float(ref[0]), rel=1e-11, abs=1e-300)
        for got, want in zip((G[i], H[i]), ref[1:]):
            # the sigmoid's s' = s (1 - s) (the paper's closed form) is exact only to
            # ~eps absolutely near s = 1, as in tests/test_derivatives.py
            atol = 10 * np.finfo(float).eps * scale * max(1.0, np.abs(want).max())
            if output == "softmax":
                # l'' = diag(y) - y y^T cancels between tied outputs, in both
                atol = max(atol, 1e-11 * np.abs(want).max())
            np.testing.assert_allclose(got, want, rtol=1e-8, atol=atol)


@pytest.mark.parametrize("act", vocabulary.ACTIVATIONS)
@pytest.mark.parametrize("loss, output, alpha", MODELS, ids=lambda m: str(m))
def test_gradient_and_hessian_are_finite_differences_of_loss_and_gradient(act, loss, output,
                                                                          alpha):
    """Central differences of the closed-form loss give its gradient, of its gradient
    its Hessian (random 3-class problem, ordinary weights: no ReLU kink within h)."""
    X, T, arch = _problem("random")
    w = np.random.default_rng(4).uniform(-1.5, 1.5, arch.dim)
    spec = dict(activation=act, output=output, alpha=alpha)
    h, E = 1e-6, np.eye(arch.dim)
    Lp = derivatives.batch_loss(w + h * E, X, T, loss, arch, **spec)[0]
    Lm = derivatives.batch_loss(w - h * E, X, T, loss, arch, **spec)[0]
    _, G, _, H = derivatives.loss_grad_hessian(w[None], X, T, loss, arch, **spec)
    np.testing.assert_allclose(G[0], (Lp - Lm) / (2 * h), atol=1e-8)
    _, Gp, _ = derivatives.loss_and_grad(w + h * E, X, T, loss, arch, **spec)
    _, Gm, _ = derivatives.loss_and_grad(w - h * E, X, T, loss, arch, **spec)
    np.testing.assert_allclose(H[0], (Gp - Gm) / (2 * h), atol=1e-7)


def test_activations_and_their_derivatives_have_their_values_on_paper():
    """f, f', f'' at a few points: relu'(0) = 0, relu'' = 0, elu''(0) = 1 (from the
    negative side), tanh' keeps its tiny value where tanh rounds to 1."""
    a = np.array([[[-2.0, 0.0, 3.0, 30.0]]])
    for name, f, f1, f2 in [
            ("relu", [0, 0, 3, 30], [0, 0, 1, 1], [0, 0, 0, 0]),
            ("elu", [np.expm1(-2), 0, 3, 30], [np.exp(-2), 1, 1, 1], [np.exp(-2), 1, 0, 0]),
            ("tanh", np.tanh(a[0, 0]), 1 / np.cosh(a[0, 0]) ** 2,
             -2 * np.tanh(a[0, 0]) / np.cosh(a[0, 0]) ** 2)]:
        act = derivatives.get_activation(name)
        S = act.value(a)
        S1 = act.slope(a, S)
        np.testing.assert_allclose(S[0, 0], f, rtol=1e-14)
        np.testing.assert_allclose(S1[0, 0], f1, rtol=1e-13)
        np.testing.assert_allclose(act.curve(a, S, S1)[0, 0], f2, rtol=1e-13, atol=1e-300)
    assert derivatives.get_activation("tanh").slope(a, None)[0, 0, 3] == pytest.approx(
        4 * np.exp(-60), rel=1e-12)


def test_hybrid_is_sse_at_alpha_one_ce_at_alpha_zero_and_their_blend_between():
    X, T, arch = _problem("iris")
    W = np.random.default_rng(5).uniform(-2, 2, (3, arch.dim))
    sse = derivatives.loss_grad_hessian(W, X, T, "sse", arch)
    ce = derivatives.loss_grad_hessian(W, X, T, "ce", arch)
    for alpha in (0.0, 0.25, 1.0):
        mix = derivatives.loss_grad_hessian(W, X, T, "hybrid", arch, alpha=alpha)
        for m, s, c in zip(mix[:2] + mix[3:], sse[:2] + sse[3:], ce[:2] + ce[3:]):
            np.testing.assert_allclose(m, alpha * s + (1 - alpha) * c, rtol=1e-12, atol=1e-15)


def test_softmax_ce_is_the_mean_over_patterns_of_minus_log_the_targets_probability():
    X, T, arch = _problem("random")
    w = np.random.default_rng(6).uniform(-1, 1, arch.dim)
    Z = network.logits(w, X, arch, "tanh")
    Y = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(Y[T == 1]))
    assert float(network.loss(w, X, T, "ce", "tanh", "softmax")) == pytest.approx(expected,
                                                                                   rel=1e-13)
    got = derivatives.batch_loss(w[None], X, T, "ce", arch, "tanh", "softmax")
    assert got[0][0] == pytest.approx(expected, rel=1e-13)
    np.testing.assert_allclose(got[1][0], Y, rtol=1e-13)


def test_softmax_makes_h_plus_one_eigenvalues_zero_and_walks_discount_them():
    """softmax(z + c) = softmax(z): autograd's Hessian has exactly h + 1 zero
    eigenvalues at a generic point, which the walks' curvature does not count."""
    X, T, arch = _problem("random")
    w = np.random.default_rng(8).uniform(-1, 1, arch.dim)
    lam = np.linalg.eigvalsh(network.loss_hessian(w, X, T, "ce", "sigmoid", "softmax"))
    tol = arch.dim * np.finfo(float).eps * np.abs(lam).max()
    assert np.sum(np.abs(lam) <= tol) == arch.hidden + 1
    settings = WalkSettings("ce", 1.0, 0.02, 5, output="softmax", eigenvalues=True)
    out = progressive_gradient_walk(IRIS, settings, range(4), seed=0)
    assert (out["n_pos"] + out["n_neg"] + out["n_zero"] == IRIS.dim - IRIS.hidden - 1).all()
    assert (out["curvature"] != 3).any()  # not every point singular


@pytest.mark.parametrize("where", ["network", "derivatives", "float32", "walk"])
def test_an_activation_listed_without_maths_raises_instead_of_computing_the_sigmoid(
        monkeypatch, where):
    monkeypatch.setattr(vocabulary, "ACTIVATIONS", vocabulary.ACTIVATIONS + ("swish",))
    X, T, arch = _problem("xor")
    W = np.zeros((2, arch.dim))
    with pytest.raises(ValueError, match=r"'swish'.*'sigmoid', 'tanh', 'relu', 'elu'"):
        if where == "network":
            network.loss(W[0], X, T, "sse", "swish")
        elif where == "derivatives":
            derivatives.loss_and_grad(W, X, T, "sse", arch, activation="swish")
        elif where == "float32":
            float32_dead_units(np.zeros((1, 4, 2)), np.zeros((1, 4, 1)), "swish")
        else:
            settings = WalkSettings("sse", 1.0, 0.02, 3, hessian="none", activation="swish")
            progressive_gradient_walk(XOR, settings, range(2))


@pytest.mark.parametrize("bad, message", [
    (dict(activation="swish"), "unknown activation 'swish'"),
    (dict(output="softmax"), "softmax output layer takes loss ('ce',)"),
    (dict(kind="hybrid"), "needs alpha in [0, 1]; got alpha=None"),
    (dict(kind="hybrid", alpha=1.5), "alpha must be a number in [0, 1]"),
    (dict(kind="hybrid", alpha=-0.1), "alpha must be a number in [0, 1]"),
    (dict(alpha=0.5), "'hybrid' loss only; got alpha=0.5 with loss 'sse'"),
    (dict(kind="ce", switch_step=3), "switches from SSE (or the hybrid) to CE"),
    (dict(switch_step=0), "switch_step must be a positive whole number"),
    (dict(output="tanh"), "unknown output layer 'tanh'"),
])
def test_a_bad_model_option_is_one_line_before_any_work(bad, message):
    with pytest.raises(ValueError) as err:
        WalkSettings(**{"kind": "sse", "init_range": 1.0, "eps": 0.02, "steps": 3, **bad})
    assert message in str(err.value) and "\n" not in str(err.value)


def test_saturation_is_the_share_of_saturated_unit_pattern_pairs_on_paper():
    """Pre-activations chosen by hand: sigmoid |a| > 5.99 and tanh |a| > 2.99 are
    saturated (slope below 1% of its largest), ReLU a <= 0, ELU a < 0."""
    A = np.array([[[-7.0, 0.0], [3.5, 6.5], [-0.5, 2.0], [-3.2, 0.1]]])
    expected = {"sigmoid": 2 / 8, "tanh": 4 / 8, "relu": 4 / 8, "elu": 3 / 8}
    for name, share in expected.items():
        act = derivatives.get_activation(name)
        assert derivatives.saturation(A, act.value(A), name)[0] == share, name


def test_float32_dead_units_are_units_with_a_zero_float32_slope_on_every_pattern():
    base = np.full((1, 3, 2), 0.5)  # alive units
    Z = np.zeros((1, 3, 1))
    for name, dead, alive in [("relu", -0.1, 0.1), ("tanh", 10.0, 8.0),
                              ("elu", -120.0, -90.0), ("sigmoid", 20.0, 15.0)]:
        A = base.copy()
        A[0, :, 1] = dead
        assert float32_dead_units(A, Z, name)[0], name
        A[0, 1, 1] = alive  # alive on one pattern: not dead
        assert not float32_dead_units(A, Z, name)[0], name
    Zs = np.array([[[40.0, -40.0, 0.0], [60.0, -40.0, 0.0]]])  # output 0 rounds to 1
    assert float32_dead_units(np.ones((1, 2, 2)), Zs, "tanh", "softmax")[0]


def test_a_switching_walk_descends_sse_then_ce_and_records_both_at_every_point():
    """Et is SSE before the switch and CE from it; Et_sse, Et_ce, Eg_sse, Eg_ce are
    autograd's losses at the saved weights, at every point."""
    settings = WalkSettings("sse", 1.0, 0.2, 12, hessian="none", activation="tanh",
                            switch_step=5)
    p = IRIS
    out = progressive_gradient_walk(p, settings, range(3), seed=1, weights_stride=1)
    for i in range(3):
        for s in range(12):
            w = out["weights"][i, s]
            for kind in ("sse", "ce"):
                et = float(network.loss(w, p.X_train, p.T_train, kind, "tanh"))
                eg = float(network.loss(w, p.X_test, p.T_test, kind, "tanh"))
                assert out[f"Et_{kind}"][i, s] == pytest.approx(et, rel=1e-12)
                assert out[f"Eg_{kind}"][i, s] == pytest.approx(eg, rel=1e-12)
    np.testing.assert_array_equal(out["Et"][:, :5], out["Et_sse"][:, :5])
    np.testing.assert_array_equal(out["Et"][:, 5:], out["Et_ce"][:, 5:])
    # each step follows the sign of the loss descended then: CE's gradient after the switch
    G = derivatives.loss_and_grad(out["weights"][:, 7], p.X_train, p.T_train, "ce",
                                  Architecture(p.n_in, p.hidden, p.n_out), "tanh")[1]
    step = out["weights"][:, 8] - out["weights"][:, 7]
    assert np.all((step < 0) == (G > 0))


@pytest.mark.parametrize("act", ["tanh", "relu", "elu"])
def test_walks_of_every_activation_record_its_saturation_and_curvature(act):
    settings = WalkSettings("ce", 10.0, 2.0, 6, activation=act)
    out = progressive_gradient_walk(IRIS, settings, range(3), seed=0, weights_stride=1)
    p = IRIS
    W = out["weights"][:, 3]
    A, _ = derivatives.preactivations(W, p.X_train, Architecture(p.n_in, p.hidden, p.n_out),
                                      act)
    by_hand = {"tanh": np.abs(np.tanh(A)) ** 2 > 0.99, "relu": A <= 0, "elu": A < 0}[act]
    np.testing.assert_array_equal(out["saturation"][:, 3], by_hand.mean(axis=(1, 2)))
    assert (out["curvature"] >= 0).all()


def test_sample_names_change_only_for_options_beyond_the_paper():
    base = dict(problem="iris", loss="ce", init_range=1, granularity="macro")
    assert SampleConfig(**base).name == "iris-ce-r1-macro-seed0-split0"
    assert SampleConfig(**base, activation="relu", output="softmax").name == \
        "iris-ce-r1-macro-seed0-split0-relu-softmax"
    assert SampleConfig(**{**base, "loss": "hybrid"}, alpha=0.25, switch_step=50).name == \
        "iris-hybrid-r1-macro-seed0-split0-alpha0.25-switch50"


RUN = ["run", "--problem", "iris", "--range", "1", "--granularity", "macro", "--walks", "6",
       "--steps", "8", "--quiet"]


@pytest.mark.parametrize("flags, name", [
    (["--loss", "ce", "--activation", "tanh"], "iris-ce-r1-macro-seed0-split0-tanh"),
    (["--loss", "hybrid", "--alpha", "0.5", "--switch-step", "4"],
     "iris-hybrid-r1-macro-seed0-split0-alpha0.5-switch4"),
])
def test_lgc_run_beyond_the_paper_gives_the_same_sample_with_any_workers_and_resumes(
        flags, name, tmp_path):
    """lgc run with tanh, and with the hybrid and a switch: the sidecar records the
    options, one worker and two give the same records, a rerun reuses the sample."""
    one, two = tmp_path / "one", tmp_path / "two"
    assert main(RUN + flags + ["--workers", "1", "--out", str(one)]) == 0
    assert main(RUN + flags + ["--workers", "2", "--chunk-size", "2", "--out", str(two)]) == 0
    a, b = Sample(one, name).frame(), Sample(two, name).frame()
    pd.testing.assert_frame_equal(a, b)
    assert "saturation" in a.columns and a["saturation"].between(0, 1).all()
    config = json.loads((one / f"{name}.json").read_text())["config"]
    assert config["activation"] == ("tanh" if "tanh" in flags else "sigmoid")
    if "hybrid" in flags:
        assert config["alpha"] == 0.5 and config["switch_step"] == 4
        assert {"Et_sse", "Et_ce", "Eg_sse", "Eg_ce"} <= set(a.columns)
    mtime = (one / f"{name}.parquet").stat().st_mtime_ns
    assert main(RUN + flags + ["--workers", "1", "--out", str(one)]) == 0
    assert (one / f"{name}.parquet").stat().st_mtime_ns == mtime


@pytest.mark.parametrize("flags, message", [
    (["--loss", "sse", "--output", "softmax"], "softmax output layer takes loss"),
    (["--loss", "hybrid", "--alpha", "2"], "alpha must be a number in [0, 1]"),
    (["--problem", "xor", "--loss", "ce", "--output", "softmax"], "needs several outputs"),
])
def test_lgc_run_refuses_a_bad_model_in_one_line_writing_nothing(flags, message, tmp_path,
                                                                 capsys):
    assert main(RUN + flags + ["--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_a_sample_written_before_saturation_was_recorded_still_loads(tmp_path):
    """Older samples have no saturation column: they are read as they are."""
    config = SampleConfig("xor", "sse", 1, "macro", walks=2, steps=3)
    sample = run_sample(config, tmp_path, progress=False)
    meta = sample.meta()
    older = Sample(tmp_path / "old", sample.name)
    older.parts.mkdir(parents=True)
    frame = sample.frame().drop(columns="saturation")
    records = {c: frame[c].to_numpy().reshape(2, 3) for c in ("Et", "Eg", "Ct", "Cg",
                                                               "grad_norm")}
    records["curvature"] = frame["curvature"].cat.codes.to_numpy().reshape(2, 3)
    older.write_chunk([0, 1], records)
    older.finish(meta, 2, 3)
    loaded = Sample(tmp_path / "old", sample.name).frame()
    assert "saturation" not in loaded.columns
    pd.testing.assert_frame_equal(loaded, frame)


@pytest.mark.parametrize("act", vocabulary.ACTIVATIONS)
@pytest.mark.parametrize("loss, output, alpha", MODELS, ids=lambda m: str(m))
def test_the_dense_hessian_of_a_standard_array_library_equals_numpys(act, loss, output,
                                                                      alpha):
    """Off numpy (array_api_strict standing in for a GPU library) every activation,
    output and loss runs through the dense Hessian, and equals numpy's to rounding."""
    xps = pytest.importorskip("array_api_strict")
    from lgc._arrays import to_numpy
    X, T, arch = _problem("iris")
    W = np.random.default_rng(9).uniform(-2, 2, (3, arch.dim))
    spec = dict(activation=act, output=output, alpha=alpha)
    ref = derivatives.loss_grad_hessian(W, X, T, loss, arch, **spec)
    got = derivatives.loss_grad_hessian(xps.asarray(W), xps.asarray(X), xps.asarray(T), loss,
                                        arch, **spec)
    for g, r in zip(got[:2] + got[3:], ref[:2] + ref[3:]):
        np.testing.assert_allclose(to_numpy(g), r, rtol=0, atol=1e-12 * np.abs(r).max())


@pytest.mark.parametrize("act, loss, output, alpha, switch", [
    ("tanh", "ce", "softmax", None, None), ("elu", "hybrid", "sigmoid", 0.5, 3)])
def test_walks_beyond_the_paper_in_a_standard_array_library_record_numpys_numbers(
        act, loss, output, alpha, switch):
    pytest.importorskip("array_api_strict")
    settings = WalkSettings(loss, 1.0, 0.2, 6, activation=act, output=output, alpha=alpha,
                            switch_step=switch, eigenvalues=True)
    ref = progressive_gradient_walk(IRIS, settings, range(3), seed=4)
    from dataclasses import replace
    out = progressive_gradient_walk(IRIS, replace(settings, backend="array_api_strict"),
                                    range(3), seed=4)
    assert set(out) == set(ref)
    for name in ref:
        np.testing.assert_allclose(out[name], ref[name], rtol=1e-9, atol=1e-12, err_msg=name)


def test_a_network_the_paper_did_not_run_has_no_paper_column(tmp_path):
    """lgc basins puts the paper's numbers beside the paper's sigmoid network only: a
    tanh sample of the same problem, loss, range and granularity has none."""
    from lgc.experiment import SampleConfig, run_sample
    from lgc.report import summarise_sample
    base = dict(problem="xor", loss="sse", init_range=1, granularity="macro", walks=2,
                hessian="none")  # the paper's 100 steps: its cells need whole walks
    paper = summarise_sample(run_sample(SampleConfig(**base), tmp_path, progress=False))
    tanh = summarise_sample(run_sample(SampleConfig(**base, activation="tanh"), tmp_path,
                                       progress=False))
    assert paper["paper_mean"].notna().any()
    assert tanh["paper_mean"].isna().all()
