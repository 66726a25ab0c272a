"""Checks of output folders, made before any work, so that a bad ``--out`` costs nothing.

`check_output_folder` refuses, with one `ParameterError` line, an output folder that cannot
hold results: an empty name, a path that is (or runs through) a file, a place this process
cannot write, or a symlink where the package writes a subfolder of its own (``figures/``,
``parts/``). `output_subfolder` checks such a subfolder again at the moment of writing: the
package never writes or deletes through a symlink inside an output folder (the folder itself
may be a symlink the user made). `plain_name` checks a name that
becomes part of a path (a sweep's name) cannot leave the folder it is put in.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from chainweave.errors import ParameterError

SUBFOLDERS: tuple[str, ...] = ("figures", "parts")
"""Subfolders the package writes inside output folders (figures, a sweep's part files)."""

_PLAIN_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def _nearest_existing(path: Path) -> Path:
    """Returns ``path`` or the closest of its ancestors that exists."""
    current = path
    while not current.exists() and not current.is_symlink():
        if current.parent == current:
            break
        current = current.parent
    return current


def _writable(folder: Path) -> str | None:
    """Returns why nothing can be created in ``folder``, None if something can."""
    try:
        # An unnamed temporary file: it is gone as soon as it is closed (root ignores modes,
        # so trying is the only test that holds for every user and file system).
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        return err.strerror or type(err).__name__
    return None


def check_output_folder(path: str | Path, field: str = "--out",
                        subfolders: tuple[str, ...] = SUBFOLDERS) -> Path:
    """Returns the output folder as a path after checking, writing nothing, that it can be used.

    Args:
        path: The folder (need not exist yet).
        field: How errors name the argument (``--out``, ``results``).
        subfolders: Subfolders the package will write in it; none may be a symlink or a file.

    Raises:
        ParameterError: for an empty name, a file at the path or on the way to it, a folder
            that cannot be written, or a subfolder that is a symlink or a file.
    """
    text = os.fspath(path)
    if not text.strip():
        raise ParameterError(field, text, "a folder name (an empty name would write into the working folder)")
    folder = Path(text)
    if folder.exists() and not folder.is_dir():
        raise ParameterError(field, text, "a folder for the results (this is a file)")
    if folder.is_symlink() and not folder.exists():
        raise ParameterError(field, text, "a folder for the results (this is a broken symlink)")
    existing = _nearest_existing(folder)
    if not existing.is_dir():
        raise ParameterError(field, text, f"a folder path ({existing} is a file, so nothing can go under it)")
    reason = _writable(existing)
    if reason is not None:
        raise ParameterError(field, text, f"a folder this process can write ({existing}: {reason})")
    for name in subfolders:
        sub = folder / name
        if sub.is_symlink():
            raise ParameterError(field, text, f"an output folder without symlinks in it ({sub} is a "
                                 "symlink; results are never written or deleted through one)")
        if sub.exists() and not sub.is_dir():
            raise ParameterError(field, text, f"an output folder whose {name} is a folder ({sub} is a file)")
    return folder


def output_subfolder(folder: str | Path, name: str) -> Path:
    """Returns ``folder/name`` after checking it is absent or a real folder, not a symlink.

    Nothing is made here: the atomic writes of `chainweave.results` make the folder with the
    first file written into it.

    Raises:
        ParameterError: if ``folder/name`` is a symlink or a file.
    """
    sub = Path(folder) / name
    if sub.is_symlink():
        raise ParameterError("output folder", str(sub), "a folder, not a symlink (results are never "
                             "written or deleted through one)")
    if sub.exists() and not sub.is_dir():
        raise ParameterError("output folder", str(sub), "a folder (this is a file)")
    return sub


def plain_name(name: str, field: str) -> str:
    """Returns ``name`` after checking it can name a file or folder without leaving its parent.

    Raises:
        ParameterError: for a name with a path separator, ``..``, a leading dot or dash, or
            other characters than letters, digits, ``_``, ``.`` and ``-``.
    """
    if not _PLAIN_NAME.match(name) or ".." in name:
        raise ParameterError(field, name, "a plain name (letters, digits, _ . -; no / or .., not starting "
                             "with . or -), since it names a folder")
    return name
