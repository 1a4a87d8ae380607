"""The documentation is tested too: citations of docs/ resolve, and no file cites notes
that ship outside the repository."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CITED = re.compile(r"(?:docs/)?\b((?:departures|data)\.md)#([A-Za-z0-9_-]+)")
# notes that live next to the repository, not in it: nobody who clones it has them
OUTSIDE = re.compile(r"NOTES\.md|NOTES items?\b|\bNOTES \d|shared/paper/|shared/data/README")
# files another part of issue 14 still has to change; remove each name once it is done
PENDING = {"lgc/reproduce.py", "lgc/hessian_tests.py", "lgc/problems.py"}


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
