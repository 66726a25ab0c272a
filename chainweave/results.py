"""Writing and reading result folders: tables as Parquet and CSV, and a JSON manifest.

Every file is written under a temporary name and renamed into place, and the manifest is
written last, so a folder whose manifest exists holds a whole result: an interrupted write
leaves the previous result or none, never a mix.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

MANIFEST = "manifest.json"
_UMASK = os.umask(0)
os.umask(_UMASK)
FILE_MODE = 0o666 & ~_UMASK
"""Permissions of written files: what a plain open() would give (mkstemp makes them 0600)."""


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Writes ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_table(table: pd.DataFrame, path: Path) -> None:
    """Writes a table to ``path`` (.parquet or .csv, by suffix) atomically.

    In Parquet, the columns of a ``places``, ``cluster`` or ``flows`` table (by the file's
    stem) carry their unit and description from `chainweave.columns` as field metadata.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            from chainweave.columns import arrow_table

            pq.write_table(arrow_table(path.stem, table), tmp)
        else:
            table.to_csv(tmp, index=False)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_results(
    out_dir: str | Path, tables: dict[str, pd.DataFrame], manifest: dict[str, Any],
    csv: bool = True,
) -> Path:
    """Writes tables (Parquet, and CSV when ``csv``) and then the manifest into ``out_dir``.

    Returns the folder. The manifest lists the files written. An old manifest in the folder is
    removed first, so an interrupted write leaves a folder without one (no result), never an
    old manifest over a mix of old and new tables.
    """
    out = Path(out_dir)
    # The folder stops claiming a whole result until the new manifest is in place.
    (out / MANIFEST).unlink(missing_ok=True)
    written = []
    for name, table in tables.items():
        atomic_write_table(table, out / f"{name}.parquet")
        written.append(f"{name}.parquet")
        if csv:
            atomic_write_table(table, out / f"{name}.csv")
            written.append(f"{name}.csv")
    manifest = {**manifest, "files": written}
    atomic_write_bytes(out / MANIFEST, json.dumps(manifest, indent=2, default=str).encode())
    return out


def read_results(out_dir: str | Path) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Returns the tables and manifest of a result folder written by `write_results`."""
    out = Path(out_dir)
    manifest = json.loads((out / MANIFEST).read_text())
    tables = {Path(name).stem: pd.read_parquet(out / name)
              for name in manifest["files"] if name.endswith(".parquet")}
    return tables, manifest
