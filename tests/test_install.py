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
    pins = {}
    for line in pip:
        req = Requirement(line)
        (spec,) = req.specifier
        assert spec.operator == "==", line
        pins[canonicalize_name(req.name)] = spec.version
    assert pins == _lock(), "environment.yml differs from the lock; run make environment.yml"


def test_binder_caches_the_environment_and_builds_lgc_and_the_notebooks_after_it():
    """repo2docker builds environment.yml in a layer reused across pushes only when it
    names no local file (its rule: no -r/-c/-e or path line in the pip section); lgc
    itself, and the .ipynb that Jupyter and Voila open, come from postBuild."""
    yaml = pytest.importorskip("yaml")
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    (pip,) = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    local = [l for l in pip if l.startswith(("-", ".", "/")) or "file:" in l]
    assert not local, f"local references stop Binder reusing the environment: {local}"
    post_build = (ROOT / "postBuild").read_text()
    assert re.search(r"^pip install --no-deps -e \.$", post_build, re.M)
    assert re.search(r"^jupytext --to ipynb notebooks/0\*\.py$", post_build, re.M)
    assert re.search(r"^jupytext --to ipynb app/classroom\.py$", post_build, re.M)


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


def test_lgc_reports_the_version_of_its_installed_distribution():
    """lgc.__version__ (and lgc --version) is what setuptools-scm wrote at install time,
    a PEP 440 version."""
    from packaging.version import Version
    import lgc

    assert lgc.__version__ == metadata.version("lgc")
    Version(lgc.__version__)  # raises on anything that is not PEP 440


def _scm_version(root: Path) -> str:
    """The version setuptools-scm gives the tree at root, with pyproject.toml's settings."""
    setuptools_scm = pytest.importorskip("setuptools_scm")
    tomllib = pytest.importorskip("tomllib")
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools_scm"]
    return setuptools_scm.get_version(root=str(root), **settings)


def _git(repo: Path, *args: str) -> None:
    import subprocess
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c",
                    "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args],
                   cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    """A git repository with lgc's pyproject.toml committed once, and no tag."""
    import shutil
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    _git(tmp_path, "init", "-q")
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    _git(tmp_path, "add", "pyproject.toml")
    _git(tmp_path, "commit", "-q", "-m", "one")
    return tmp_path


def test_a_clone_without_tags_counts_commits_from_the_fallback_version(repo):
    """No tag yet (or a clone without tags): 0.1.1.devN+gHASH, N the commits, counted
    from pyproject's fallback_version 0.1.0; the hash finds the commit again."""
    assert re.fullmatch(r"0\.1\.1\.dev1\+g[0-9a-f]+", _scm_version(repo))


def test_a_tag_is_the_version_and_later_commits_count_from_it(repo):
    """At the annotated tag v0.1.0: 0.1.0 exactly; two commits on: 0.1.1.dev2+gHASH."""
    _git(repo, "tag", "-a", "v0.1.0", "-m", "lgc 0.1.0")
    assert _scm_version(repo) == "0.1.0"
    for n in range(2):
        (repo / "f").write_text(str(n))
        _git(repo, "add", "f")
        _git(repo, "commit", "-q", "-m", str(n))
    assert re.fullmatch(r"0\.1\.1\.dev2\+g[0-9a-f]+", _scm_version(repo))


def test_files_without_git_get_the_fallback_version(tmp_path):
    """An export of the files alone (no .git, no PKG-INFO) still builds, as 0.1.0."""
    import shutil
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    assert _scm_version(tmp_path) == "0.1.0"


def test_citation_cites_the_release_lgc_is_or_follows_and_the_paper():
    """CITATION.cff names a release: lgc's own version at a tag; between tags the last
    tag (v0.1.0 -> 0.1.0), or before any tag pyproject's fallback_version."""
    import subprocess
    from packaging.version import Version
    yaml = pytest.importorskip("yaml")
    tomllib = pytest.importorskip("tomllib")
    import lgc

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software"
    cited, version = Version(str(cff["version"])), Version(lgc.__version__)
    if not (version.is_devrelease or version.local):
        assert cited == version
    else:
        last = subprocess.run(["git", "describe", "--tags", "--abbrev=0", "--match", "v*"],
                              cwd=ROOT, capture_output=True, text=True).stdout.strip()
        fallback = tomllib.loads((ROOT / "pyproject.toml").read_text())[
            "tool"]["setuptools_scm"]["fallback_version"]
        assert cited == Version(last.removeprefix("v") or fallback), (cited, version, last)
    (paper,) = cff["references"]
    assert paper["doi"] == "10.1016/j.neucom.2020.02.113"
