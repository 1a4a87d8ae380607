"""Every notebook runs headlessly at tiny parameters (papermill), so none can rot."""
from pathlib import Path

import pytest

papermill = pytest.importorskip("papermill")
jupytext = pytest.importorskip("jupytext")

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("[0-9]*.py"))


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One results and figures folder for all notebooks, as make paper uses."""
    root = tmp_path_factory.mktemp("paper")
    return root / "results", root / "figures"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_writes_its_outputs(path, shared, tmp_path):
    """The notebook executes top to bottom with the tiny preset and writes files."""
    results, figures = shared
    nb = jupytext.read(path)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    source = tmp_path / f"{path.stem}.ipynb"
    jupytext.write(nb, source)
    executed = papermill.execute_notebook(
        str(source), str(tmp_path / "out.ipynb"), cwd=str(path.parent), progress_bar=False,
        parameters={"preset": "tiny", "workers": 1, "results": str(results),
                    "figures": str(figures)})
    assert any(figures.iterdir())
    for cell in _figure_cells(executed):
        kinds = {kind for out in cell["outputs"] for kind in out.get("data", {})}
        assert "image/png" in kinds, f"no picture shown by:\n{cell['source']}"


def _figure_cells(nb):
    """Code cells that draw a figure: their last line calls draw_figure or show."""
    for cell in nb["cells"]:
        lines = [l for l in cell["source"].splitlines() if l.strip()]
        if cell["cell_type"] == "code" and lines and (
                "draw_figure(" in lines[-1] or lines[-1].lstrip().startswith("show(")):
            yield cell


def test_a_figure_is_a_picture_in_a_notebook_not_its_repr():
    """lgc's figures carry a PNG for IPython's display, even without pyplot."""
    from IPython.core.formatters import DisplayFormatter
    from lgc.basins import simulated_walk
    from lgc.plots import stagnation_figure
    data, _ = DisplayFormatter().format(stagnation_figure(simulated_walk(0)))
    assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"


def test_make_paper_wrote_every_figure_and_table(shared):
    """After all notebooks: figures 1-22, Tables 1-9 and B.10-B.15, and the report."""
    from lgc.plots import figure_filename
    _, figures = shared
    names = {p.name for p in figures.iterdir()}
    assert {figure_filename(n) for n in range(1, 23)} <= names
    for stem in ["table01", "table02", *(f"table{n:02d}" for n in range(3, 10)),
                 *(f"tableB{n}" for n in range(10, 16))]:
        assert any(n.startswith(stem) and n.endswith(".csv") for n in names), stem
    assert {"REPORT.md", "report.json"} <= names


def test_pairing_the_notebooks_leaves_their_sources_unchanged(tmp_path):
    """`make notebooks` (jupytext --sync) writes .ipynb files and no byte of the .py."""
    import shutil
    import subprocess
    import sys
    root = Path(__file__).parents[1]
    shutil.copy(root / "jupytext.toml", tmp_path)
    (tmp_path / "notebooks").mkdir()
    for path in NOTEBOOKS:
        shutil.copy(path, tmp_path / "notebooks")
    copies = sorted(str(p) for p in (tmp_path / "notebooks").glob("[0-9]*.py"))
    subprocess.run([sys.executable, "-m", "jupytext", "--sync", *copies], check=True,
                   capture_output=True, cwd=tmp_path)
    for path in NOTEBOOKS:
        assert (tmp_path / "notebooks" / path.name).read_bytes() == path.read_bytes(), path
        assert (tmp_path / "notebooks" / f"{path.stem}.ipynb").exists()
