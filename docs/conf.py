"""Sphinx configuration of lgc's website (``make docs``).

The Makefile copies docs/ into a staging folder beside the notebooks it has just
executed with papermill (notebooks/*.ipynb there), so this file sees one tree:

- ``index.md``: the front page, with three tables of contents that use globs, so a
  new page needs no edit here: ``notebooks/*`` (one per section of the paper),
  ``*`` (every Markdown page at the top of docs/) and ``reference/*`` (the API).
- ``reference/api.md``: autosummary over the package lgc (recursive), rendered by
  autodoc with numpydoc.

Notebooks are never executed by Sphinx (``nb_execution_mode = "off"``): the outputs
are those of the papermill run at ``DOCS_PRESET`` (tiny in CI).
"""
import importlib
import inspect
import pkgutil
import re
from importlib import metadata
from pathlib import Path

from packaging.version import Version

from lgc import __version__

# The repository's address lives in pyproject.toml's [project.urls] alone.
_URLS = dict(line.split(", ", 1) for line in metadata.metadata("lgc").get_all("Project-URL") or [])

project = "lgc"
author = "the lgc authors"
copyright = "the lgc authors (MIT licence)"
release = __version__
version = __version__

extensions = [
    "myst_nb",  # Markdown (MyST) pages and .ipynb notebooks
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx.ext.mathjax",
]

exclude_patterns = ["_build", "conf.py", "**.ipynb_checkpoints", "figures/*"]
# .rst first: autosummary writes its API stubs (reStructuredText) with the first suffix.
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}

# The notebooks arrive executed; Sphinx only renders them.
nb_execution_mode = "off"
nb_merge_streams = True
# Markdown that a cell displays (lgc.claims.show's verdict tables) is GitHub-flavoured.
nb_render_markdown_format = "gfm"
myst_enable_extensions = ["dollarmath", "amsmath"]
# Headings deep enough for the docs' section anchors (departures.md#d1-...).
myst_heading_anchors = 3

# The API pages are written here, one per public module of lgc (a new module gets its
# page without an edit): autosummary's own recursion would take the module
# lgc.curvature for the function lgc.curvature that lgc/__init__ re-exports.
autosummary_generate = False
autodoc_default_options = {"members": True, "show-inheritance": False}
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# numpydoc renders the sections; it does not lint them (that is a review's job).
numpydoc_validation_checks = set()

html_theme = "sphinx_book_theme"
html_title = f"lgc {Version(__version__).public}"  # without the local +gHASH part
html_theme_options = {
    "repository_url": _URLS.get("Repository", ""),
    "use_repository_button": "Repository" in _URLS,
    "path_to_docs": "docs",
    "show_toc_level": 2,
}
html_static_path = []


def _module_pages(folder: Path) -> None:
    """reference/generated/lgc.NAME.rst for each public module: its names in a table
    (those of ``__all__``, else the functions and classes it defines), then automodule."""
    import lgc

    folder.mkdir(parents=True, exist_ok=True)
    for info in pkgutil.iter_modules(lgc.__path__):
        if info.name.startswith("_"):
            continue  # private, and __main__ would run the command line
        name = f"lgc.{info.name}"
        module = importlib.import_module(name)
        public = getattr(module, "__all__", None) or [
            key for key, obj in vars(module).items()
            if not key.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
            and obj.__module__ == name]
        table = "".join(f"   {name}.{key}\n" for key in public)
        text = f"{name}\n{'=' * len(name)}\n\n"
        if table:
            text += f".. autosummary::\n\n{table}\n"
        text += f".. automodule:: {name}\n"
        page = folder / f"{name}.rst"
        if not page.exists() or page.read_text() != text:  # unchanged pages stay cached
            page.write_text(text)


_module_pages(Path(__file__).parent / "reference" / "generated")


def _escape_bars(app, what, name, obj, options, lines):
    """Docstrings write absolute values and norms as |x|, which reStructuredText would
    read as a substitution; escaped, they print as written."""
    for i, line in enumerate(lines):
        row = line.strip()
        if not (row.startswith("+") or row.startswith("|") and row.endswith("|")):  # tables
            lines[i] = re.sub(r"(?<![\\|])\|(?=[^\s|])([^|`]*?[^\s|\\])\|(?!\|)", r"\\|\1\\|",
                              line)


def setup(app):
    app.connect("autodoc-process-docstring", _escape_bars)
