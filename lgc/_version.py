"""lgc's version, as installed: setuptools-scm derives it from git when the package is
built or installed (a tag vX.Y.Z, or a development version counted from it; see
pyproject.toml) and writes it into the distribution's metadata, read back here.

An editable install keeps the version of its install until it is reinstalled; a source
tree that was never installed reports ``0+unknown``, not a made-up release.
"""
from importlib import metadata

try:
    __version__ = metadata.version("lgc")
except metadata.PackageNotFoundError:
    __version__ = "0+unknown"
