"""Specification of lgc.vocabulary: each name of the paper defined once, checked everywhere."""
import inspect

import numpy as np
import pytest

import lgc
from lgc import derivatives, network, vocabulary
from lgc.network import Architecture
from lgc.problems import PROBLEMS

#: Table 2 of the paper: the dimension of each problem's weight space
TABLE2_DIMENSIONS = {"xor": 9, "iris": 35, "diabetes": 81, "glass": 150, "cancer": 321,
                     "heart": 341, "mnist": 7960}


@pytest.mark.parametrize("problem", sorted(TABLE2_DIMENSIONS))
def test_the_layer_size_formula_gives_table_2s_dimensions(problem):
    spec = PROBLEMS[problem]
    d = vocabulary.n_weights(spec.n_in, spec.hidden, spec.n_out)
    assert d == spec.dim == Architecture(spec.n_in, spec.hidden, spec.n_out).dim
    assert d == TABLE2_DIMENSIONS[problem]


@pytest.mark.parametrize("loss", vocabulary.LOSSES)
def test_every_loss_of_the_vocabulary_has_a_formula_and_closed_form_derivatives(loss):
    """The network's formula and the batched closed form agree for each listed loss;
    a name listed without them fails here, not silently in a walk."""
    arch = Architecture(3, 2, 2)
    rng = np.random.default_rng(0)
    X, T = rng.normal(size=(5, 3)), rng.integers(0, 2, (5, 2)).astype(float)
    W = rng.uniform(-1, 1, (2, arch.dim))
    reference = [network.loss(w, X, T, loss) for w in W]
    np.testing.assert_allclose(derivatives.batch_loss(W, X, T, loss, arch)[0], reference,
                               rtol=1e-12)


@pytest.mark.parametrize("what, allowed", [("loss", vocabulary.LOSSES),
                                           ("granularity", vocabulary.GRANULARITIES),
                                           ("Hessian mode", vocabulary.HESSIAN_MODES)])
def test_an_unknown_name_is_one_line_naming_the_allowed_ones(what, allowed):
    with pytest.raises(ValueError) as err:
        vocabulary.check(what, "nonsense", allowed)
    message = str(err.value)
    assert "\n" not in message and "'nonsense'" in message
    assert all(repr(name) in message for name in allowed)


def test_granularities_are_the_papers_step_rules():
    """Section 5.2: micro steps 1% of the range width for 1000 steps, macro 10% for 100."""
    assert lgc.step_size("micro", 1) == pytest.approx(0.02)
    assert lgc.step_size("macro", 10) == pytest.approx(2.0)
    assert {g: s.steps for g, s in vocabulary.GRANULARITIES.items()} == {"micro": 1000,
                                                                         "macro": 100}


def test_the_curvature_module_is_not_shadowed_by_a_function_of_the_same_name():
    assert inspect.ismodule(lgc.curvature) and inspect.ismodule(lgc.vocabulary)


def test_a_new_walk_option_is_an_option_of_every_sample_config():
    """SampleConfig inherits the walk's options: nothing is copied field by field."""
    from dataclasses import fields

    from lgc.walks import WalkOptions
    options = {f.name for f in fields(WalkOptions)}
    assert options <= {f.name for f in fields(lgc.SampleConfig)}
    assert options <= {f.name for f in fields(lgc.WalkSettings)}
    config = lgc.SampleConfig("iris", "ce", 1, "macro", hessian="blocks", hessian_every=3,
                              singular="float32").resolved(35)
    settings = config.settings()
    assert {name: getattr(settings, name) for name in options} == config.options()
