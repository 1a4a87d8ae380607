"""Specification of the install: the versions the paper was reproduced with.

pyproject.toml gives ranges (for library users); the lock file that the
Makefile names gives the exact versions of every package that ``make install``
puts in .venv with the Makefile's extras, and conda/Binder's environment.yml
installs the same file. These tests hold the four together, and hold the
running environment to the lock, so that a drifted .venv fails here instead
of in a last digit of a figure.
"""
from importlib import metadata
from pathlib import Path
import re

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def _make_variable(name: str) -> str:
    """The value of ``NAME := value`` in the Makefile."""
    match = re.search(rf"^{name}\s*:=\s*(\S+)\s*$", (ROOT / "Makefile").read_text(), re.M)
    assert match, f"the Makefile sets no {name}"
    return match.group(1)


LOCK = ROOT / _make_variable("LOCK")
EXTRAS = _make_variable("EXTRAS").split(",")


def _lock() -> dict[str, str]:
    """The lock's pins, {canonical name: version}; every line is a comment or an exact pin."""
    pins = {}
    for line in LOCK.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        req = Requirement(line)
        (spec,) = req.specifier  # exactly one specifier...
        assert spec.operator == "==" and not req.extras and req.url is None, line  # ...a pin
        pins[canonicalize_name(req.name)] = spec.version
    return pins


def _lock_python() -> str:
    """The Python 'major.minor' the lock was made with (its '# python: X.Y' header)."""
    match = re.search(r"^# python: (\d+\.\d+)\b", LOCK.read_text(), re.M)
    assert match, f"{LOCK.name} does not say which Python it was made with"
    return match.group(1)


def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _pyproject_requirements(extras=EXTRAS) -> list[Requirement]:
    """What pyproject.toml asks for: the dependencies, and those of the extras
    (by default those make install installs)."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 on, as the lock
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = project["dependencies"] + [r for extra in extras
                                       for r in project["optional-dependencies"][extra]]
    return [Requirement(r) for r in names]


def test_every_locked_package_installed_here_has_the_locked_version():
    """A .venv that drifted from the lock (an upgrade by hand, an old install) fails."""
    pins = _lock()
    drifted = {name: (_installed(name), pin) for name, pin in pins.items()
               if _installed(name) not in (None, pin)}
    assert not drifted, ("installed version differs from the lock {name: (installed, locked)}: "
                         f"{drifted}; run make install")
    # and it looked at something: lgc's dependencies and the test extra are all installed
    main = [canonicalize_name(r.name) for r in _pyproject_requirements(["test"])]
    unchecked = [name for name in main if name not in pins or _installed(name) is None]
    assert not unchecked, f"not installed or not locked: {unchecked}"


def test_environment_yml_installs_the_same_lock_with_the_same_python():
    """conda / Binder get python X.Y from conda-forge and then the lock's pins through pip,
    nothing else (lgc itself, without dependencies, is postBuild's)."""
    yaml = pytest.importorskip("yaml")
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    conda = [d for d in deps if isinstance(d, str)]
    (pip,) = [d["pip"] for d in deps if isinstance(d, dict)]
    assert f"python={_lock_python()}" in conda and "pip" in conda
    assert len(conda) == 2, f"conda packages beside python and pip escape the lock: {conda}"
    assert len(pip) == 1 and pip[0].split()[0] == "-r", pip
    assert (ROOT / pip[0].split()[1]).resolve() == LOCK.resolve()
    post_build = (ROOT / "postBuild").read_text()
    assert re.search(r"^pip install --no-deps -e \.$", post_build, re.M)


def test_every_dependency_pyproject_names_is_locked_within_its_range():
    """Main dependencies and the make-install extras, and what their own extras pull in
    (dask[distributed]): each in the lock, at a version pyproject's range allows."""
    pins = _lock()
    missing, outside = [], []
    for req in _pyproject_requirements():
        name = canonicalize_name(req.name)
        if name not in pins:
            missing.append(name)
            continue
        if not req.specifier.contains(pins[name], prereleases=True):
            outside.append(f"{name}=={pins[name]} not in {req.specifier}")
        for extra in req.extras:  # read from the installed package's metadata
            for dep in metadata.requires(req.name) or []:
                sub = Requirement(dep)
                if sub.marker is not None and "extra" in str(sub.marker) \
                        and sub.marker.evaluate({"extra": extra}) \
                        and canonicalize_name(sub.name) not in pins:
                    missing.append(f"{sub.name} (from {req.name}[{extra}])")
    assert not missing, f"named in pyproject.toml but not locked: {missing}; run make lock"
    assert not outside, f"locked outside pyproject.toml's range: {outside}; run make lock"


def test_citation_cites_the_version_lgc_reports_and_the_paper():
    yaml = pytest.importorskip("yaml")
    import lgc

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software"
    assert str(cff["version"]) == lgc.__version__
    (paper,) = cff["references"]
    assert paper["doi"] == "10.1016/j.neucom.2020.02.113"
