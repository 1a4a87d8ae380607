"""The documentation is tested too: every example in lgc's docstrings runs (``make
test`` runs this file), importing lgc does no work and opens no connection, citations
of docs/ resolve, and no file cites notes that ship outside the repository."""
import doctest
import importlib
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import lgc

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CITED = re.compile(r"(?:docs/)?\b((?:departures|data)\.md)#([A-Za-z0-9_-]+)")
# notes that live next to the repository, not in it: nobody who clones it has them
OUTSIDE = re.compile(r"NOTES\.md|NOTES items?\b|\bNOTES \d|shared/paper/|shared/data/README")
# files another part of issue 14 still has to change; remove each name once it is done
PENDING = set()


MODULES = sorted(m.name for m in pkgutil.walk_packages(lgc.__path__, "lgc.")
                 if m.name != "lgc.__main__")  # __main__ runs the command line on import


def _examples_in_source(module) -> int:
    return len(re.findall(r"^\s*>>> ", Path(module.__file__).read_text(encoding="utf-8"),
                          re.M))


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No data folder with files in it, and no network: an example that would read or
    download a data file fails instead of passing by luck or slowly."""
    import socket

    monkeypatch.setenv("LGC_DATA_DIR", str(tmp_path))

    def refuse(*args, **kwargs):
        raise OSError("doctests must not open network connections")
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, offline):
    """Every >>> example of the module is found and gives the output it shows."""
    module = importlib.import_module(name)
    tests = doctest.DocTestFinder(exclude_empty=True).find(module, name)
    found = sum(len(t.examples) for t in tests)
    assert found == _examples_in_source(module), "some >>> lines are not in a docstring " \
        "doctest finds (a nested function's, or a string that is not a docstring)"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report = []
    for test in sorted(tests, key=lambda t: t.name):
        runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)


def test_the_examples_are_many():
    """The examples counted at the time doctests were first run (16) are still there."""
    total = sum(_examples_in_source(importlib.import_module(n)) for n in MODULES)
    assert total >= 16


def test_importing_lgc_does_no_work_and_no_io(tmp_path):
    """Every module imports in a fresh interpreter without network, data files or
    heavy work: all of them together in a few seconds."""
    code = (
        "import socket, time\n"
        "def refuse(*a, **k): raise OSError('network used on import')\n"
        "socket.socket.connect = refuse\n"
        "t = time.perf_counter()\n"
        f"for name in {MODULES!r}: __import__(name)\n"
        "print(time.perf_counter() - t)\n")
    env = {**os.environ, "LGC_DATA_DIR": str(tmp_path), "OPENBLAS_NUM_THREADS": "1",
           "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert float(out.stdout) < 15.0  # about 2 s here; a download or a run takes far longer
    assert not any(tmp_path.iterdir())  # nothing written where data would be


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading: lower case, punctuation dropped
    (hyphens and underscores kept), spaces turned into hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(doc: Path) -> set:
    return {github_anchor(m.group(1))
            for m in re.finditer(r"^#{1,6} (.+)$", doc.read_text(encoding="utf-8"), re.M)}


def _sources():
    return sorted([*ROOT.glob("lgc/**/*.py"), *ROOT.glob("tests/*.py"),
                   *ROOT.glob("notebooks/*.py"), *DOCS.glob("*.md"), ROOT / "README.md"])


def test_github_anchor_follows_githubs_rule():
    assert github_anchor("D5: the stagnation threshold") == "d5-the-stagnation-threshold"
    assert github_anchor("D14: the train-test split") == "d14-the-train-test-split"


def test_every_cited_docs_anchor_is_a_heading():
    """Each citation of an entry of docs/departures.md or docs/data.md (the file name,
    "#" and the anchor) in code, tests, notebooks and docs names a real heading."""
    known = {name: anchors(DOCS / name) for name in ("departures.md", "data.md")}
    cited = [(path.relative_to(ROOT), name, anchor)
             for path in _sources() if path.is_file()
             for name, anchor in CITED.findall(path.read_text(encoding="utf-8"))]
    assert len(cited) > 20  # the citations are found at all
    for name in known:  # links within a document: [D5](#d5-...)
        text = (DOCS / name).read_text(encoding="utf-8")
        cited += [(Path("docs", name), name, a) for a in re.findall(r"\]\(#([\w-]+)\)", text)]
    broken = [c for c in cited if c[2] not in known[c[1]]]
    assert not broken, f"citations of missing headings: {broken}"


def test_every_departure_names_the_paper_and_a_test():
    """Each entry cites the paper's place and at least one test that checks it."""
    text = (DOCS / "departures.md").read_text(encoding="utf-8")
    entries = re.split(r"^## ", text, flags=re.M)[1:]
    assert len(entries) >= 15
    for entry in entries:
        title = entry.splitlines()[0]
        assert "**Paper.**" in entry and "**lgc.**" in entry, title
        assert re.search(r"\*\*Tests\.\*\* .*tests/test_\w+\.py", entry, re.S), title


@pytest.mark.parametrize("path", [p for p in _sources()
                                  if p.suffix == ".py" and p.parts[-2] in ("lgc", "tests")],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_code_or_test_cites_notes_outside_the_repository(path):
    """The reasons ship with the code: docs/, not a NOTES.md a user does not have."""
    rel = str(path.relative_to(ROOT))
    if path == Path(__file__).resolve():
        pytest.skip("this file holds the pattern itself")
    if rel in PENDING:
        pytest.skip("still to be changed by another part of issue 14")
    hits = [f"{rel}:{i}: {line.strip()}"
            for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if OUTSIDE.search(line)]
    assert not hits, "\n".join(hits)
