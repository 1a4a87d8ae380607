"""The paper's published numbers, for "paper | ours" comparisons.

The package carries ``lgc/data/paper_tables.csv``: every number of Tables 1,
3-9 and B.10-B.15 of Bosman, Engelbrecht & Helbig (2020), in long format with
columns ``table, problem, sample, loss, init_range, granularity, metric, mean,
std``.  How the tables are encoded:

* Tables 3-9 (basins): ``sample`` is ``Et`` (training loss) or ``Eg`` (test
  loss; XOR has only ``Et``), ``metric`` is ``nstag`` or ``lstag``, ``loss`` is
  ``SSE`` or ``CE``, ``init_range`` is 1 or 10 (walks start in [-r, r]^d),
  ``granularity`` is ``micro`` (1000 steps) or ``macro`` (100 steps).
* Tables B.10-B.15 (Appendix B, titled "classification errors" but holding
  accuracies at the last step,
  docs/departures.md#d10-appendix-b-reports-accuracies): ``sample`` is ``Ct`` (train) or
  ``Cg`` (test) and ``metric`` is ``accuracy_last_step``.
* Table 1 (lstag of the simulated walk per window): ``problem`` is
  ``simulated``, ``sample`` is ``walk``, ``loss`` and ``init_range`` are empty,
  ``granularity`` is ``window_6`` ... ``window_20``, ``metric`` is ``lstag`` and
  ``std`` is empty.  These are the *printed* values, whose last two cells are
  swapped relative to what the authors' algorithm gives
  (docs/departures.md#d6-table-1-prints-two-cells-swapped).

``std`` is the paper's number in parentheses: a population std (ddof 0) over
walks, see ``lgc.basins``.

Examples
--------
>>> paper_value("xor", "Et", "sse", 1, "micro", "nstag")
(1.88889, 0.31427)
>>> paper_value("xor", "Eg", "sse", 1, "micro", "nstag") is None
True
"""
from __future__ import annotations

import math
from functools import lru_cache
from importlib.resources import files

import pandas as pd

from . import vocabulary
from .vocabulary import display

__all__ = ["paper_tables", "paper_value", "paper_table1", "LOSSES", "SAMPLES", "METRICS"]

#: the losses as the paper's tables write them
LOSSES = tuple(display(loss) for loss in vocabulary.LOSSES)
SAMPLES = ("Et", "Eg", "Ct", "Cg", "walk")
#: which table holds each problem's basins (Tables 3-9) and accuracies (Appendix B)
BASIN_TABLE = {"xor": "3", "iris": "4", "diabetes": "5", "glass": "6", "cancer": "7",
               "heart": "8", "mnist": "9"}
ACCURACY_TABLE = {"iris": "B.10", "diabetes": "B.11", "glass": "B.12", "cancer": "B.13",
                  "heart": "B.14", "mnist": "B.15"}
#: The network and walk the paper ran: a sample whose stored config differs in any of
#: these options (an activation, a loss schedule, a sampler of the later studies) is a
#: setting the paper did not run, whatever its problem, loss, range and granularity.
PAPER_MODEL = {"activation": "sigmoid", "output": "sigmoid", "alpha": None,
               "switch_step": None, "walk": "gradient", "bound": None}


def ran(config: dict) -> bool:
    """Whether the paper ran the network and walk of a stored sample config (options
    missing from an older config are the paper's).

    >>> ran({"problem": "iris", "activation": "sigmoid"}), ran({"activation": "tanh"})
    (True, False)
    """
    return all(config.get(k, v) == v for k, v in PAPER_MODEL.items())


#: Table 2: the dimension of each problem's weight space
DIMENSIONS = {"xor": 9, "iris": 35, "diabetes": 81, "glass": 150, "cancer": 321,
              "heart": 341, "mnist": 7960}
METRICS = ("nstag", "lstag", "accuracy_last_step")
_KEY = ["problem", "sample", "loss", "init_range", "granularity", "metric"]


@lru_cache(maxsize=1)
def _load() -> pd.DataFrame:
    with files("lgc").joinpath("data/paper_tables.csv").open("r", encoding="utf-8") as f:
        df = pd.read_csv(f, dtype={"table": str})
    df["init_range"] = df["init_range"].astype("Int64")  # 1, 10 or <NA> (Table 1)
    return df


def paper_tables() -> pd.DataFrame:
    """All of the paper's table numbers as a long DataFrame (a fresh copy each call).

    Columns: table, problem, sample, loss, init_range, granularity, metric,
    mean, std; the encoding is described in the module docstring.

    >>> sorted(paper_tables()["table"].unique())[:3]
    ['1', '3', '4']
    """
    return _load().copy()


@lru_cache(maxsize=1)
def _index() -> dict[tuple, tuple[float, float]]:
    df = _load()
    out = {}
    for row in df.itertuples(index=False):
        loss = None if pd.isna(row.loss) else row.loss
        init = None if pd.isna(row.init_range) else int(row.init_range)
        key = (row.problem, row.sample, loss, init, row.granularity, row.metric)
        out[key] = (float(row.mean), float(row.std))
    return out


def _pick(value, choices, name: str):
    """Match ``value`` case-insensitively to one of ``choices``."""
    by_lower = {c.lower(): c for c in choices}
    try:
        return by_lower[str(value).lower()]
    except KeyError:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}") from None


def _paper_range(init_range):
    """1 or 10 as an int, None for Table 1's empty range; False for any other
    value (a range the paper never ran: False is a key no cell has, as the
    int-keyed lookup would find True == 1)."""
    if init_range is None:
        return None
    if isinstance(init_range, bool):
        return False
    try:
        return int(init_range) if init_range in vocabulary.INIT_RANGES else False
    except TypeError:  # unhashable or incomparable: certainly not in the paper
        return False


def _normalise(problem, sample, loss, init_range, granularity, metric) -> tuple:
    """The lookup key. What was *measured* (sample, metric) must be a name we
    know; the *setting* (problem, loss, range, granularity) may be anything, and
    one the paper never ran simply matches no cell."""
    sample = _pick(sample, SAMPLES, "sample")
    metric = _pick(metric, METRICS, "metric")
    loss = None if loss is None else {c.lower(): c for c in LOSSES}.get(str(loss).lower(), loss)
    return (str(problem).lower(), sample, loss, _paper_range(init_range),
            str(granularity).lower(), metric)


def paper_value(problem, sample, loss, init_range, granularity, metric) -> tuple[float, float] | None:
    """The paper's (mean, std) for one setting, or None where the paper has no such cell.

    Parameters
    ----------
    problem : str
        ``xor``, ``iris``, ``diabetes``, ``glass``, ``cancer``, ``heart``,
        ``mnist`` or ``simulated`` (Table 1); any case.
    sample : str
        ``Et``, ``Eg``, ``Ct``, ``Cg`` or ``walk`` (Table 1); any case.
    loss : str or None
        ``sse`` or ``ce`` in any case; None for Table 1.
    init_range : int or None
        1 or 10; None for Table 1.
    granularity : str
        ``micro`` or ``macro``; ``window_<w>`` for Table 1.
    metric : str
        ``nstag``, ``lstag`` or ``accuracy_last_step``.

    Returns
    -------
    (mean, std) as floats, std being NaN where the paper prints none (Table 1);
    None for any setting the paper does not report: a problem, loss, range or
    granularity it never ran, or XOR's test set. Such a setting has no paper
    column, it is not an error. An unknown ``sample`` or ``metric`` (a name of
    what was measured, so most likely a typo) raises ValueError naming the
    choices.

    >>> paper_value("iris", "Et", "softmax_ce", 1, "micro", "nstag") is None
    True
    >>> paper_value("iris", "Et", "ce", 5, "micro", "nstag") is None
    True
    """
    key = _normalise(problem, sample, loss, init_range, granularity, metric)
    return _index().get(key)


def paper_table1() -> dict[int, float]:
    """Table 1 as printed: window w -> lstag of the simulated walk.

    The printed cells for w = 18 and w = 20 are swapped relative to the authors'
    algorithm (docs/departures.md#d6-table-1-prints-two-cells-swapped);
    ``lgc.basins`` reproduces the algorithm.

    >>> paper_table1()[8]
    22.0
    """
    df = _load()
    rows = df[df["table"] == "1"]
    return {int(g.split("_")[1]): float(m) for g, m in zip(rows["granularity"], rows["mean"])
            if not math.isnan(m)}
