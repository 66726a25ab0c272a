"""The resumable store of a sweep's runs: a Parquet dataset of part files in the output folder.

Layout of a sweep folder::

    sweep.json           the sweep (spec, resolved base, fingerprint), written when it starts
    parts/part-*.parquet finished runs, one file per batch, keyed by run_id
    runs.parquet/.csv    all runs, one row each, sorted by run_id   } written when the sweep
    indices.parquet/.csv sensitivity indices (Morris and Sobol')    } ends, manifest.json last
    manifest.json

Each batch of finished runs is written under a temporary name (a dot file, which Parquet
readers skip) and renamed into place, so a part file is whole or absent whatever stops the
process. A restarted sweep reads the parts, skips the run ids they hold and writes only new
ones; reading drops any repeated run id (two parts could hold one only if two processes wrote
at once, which the folder's lock prevents), so the runs table has each run exactly once.
A folder holding another sweep (another fingerprint) or something else is refused, and so is
one whose ``parts`` is a symlink: nothing is written or deleted through one.

A part file that cannot be read whole (truncated, empty, not Parquet, without ``run_id``)
is found when the store is opened again: it is set aside, renamed ``<name>.damaged``
(never deleted), with one line in `RunStore.notes`, and its runs count as not done, so they
are run again. Runs that failed are stored like the others, with ``status`` ``failed`` and
their error; a part written before the ``status`` column existed reads as ``ok``.
"""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from chainweave.errors import ParameterError
from chainweave.outputs import check_output_folder
from chainweave.results import atomic_write_bytes, atomic_write_table

SPEC_FILE = "sweep.json"
"""The sweep's record, written when it starts."""
PARTS = "parts"
"""Folder of the part files."""
LOCK = ".sweep.lock"
"""Lock file: one process writes a sweep folder at a time."""
DAMAGED = ".damaged"
"""Suffix added to the name of a part file that cannot be read."""


class RunStore:
    """The part files of one sweep folder.

    Attributes:
        folder: The sweep folder.
        fingerprint: Hash of what decides the runs' values (`SweepSpec.fingerprint`).
    """

    def __init__(self, folder: str | Path, fingerprint: str) -> None:
        """Refers to ``folder``; nothing is read or written until `check` and `open`."""
        self.folder = Path(folder)
        self.fingerprint = fingerprint
        self._lock: int | None = None
        self.set_aside: list[Path] = []
        self.notes: list[str] = []

    @property
    def parts(self) -> Path:
        """The folder of part files."""
        return self.folder / PARTS

    def check(self) -> None:
        """Checks, writing nothing, that the folder is absent, empty, or holds this sweep.

        Raises:
            ParameterError: if it is a file, cannot be written, has a symlinked or file
                ``parts``, holds another sweep, or holds something else.
        """
        check_output_folder(self.folder, "out")
        if not self.folder.exists():
            return
        record = self.folder / SPEC_FILE
        if record.is_file():
            try:
                held = json.loads(record.read_text())
            except (OSError, ValueError) as err:
                raise ParameterError("out", str(self.folder), f"a sweep folder with a readable {SPEC_FILE} "
                                     f"({type(err).__name__})") from None
            if held.get("fingerprint") != self.fingerprint:
                raise ParameterError("out", str(self.folder),
                                     f"an empty folder or one holding this same sweep (it holds sweep "
                                     f"{held.get('name')!r} with other settings: choose another folder)")
        elif any(self.folder.iterdir()):
            raise ParameterError("out", str(self.folder),
                                 "an empty folder or one holding this same sweep (it holds other files)")

    def open(self, record: dict[str, Any]) -> None:
        """Creates the folder, takes its lock, writes the sweep's record if new, tidies parts.

        Args:
            record: The sweep's record (JSON-able); its ``fingerprint`` is set here.

        Raises:
            ParameterError: if another process holds the folder's lock.
        """
        self.check()
        self.parts.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.folder / LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as err:
            raise ParameterError("out", str(self.folder), f"a folder whose {LOCK} is a plain file "
                                 f"({err.strerror})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ParameterError("out", str(self.folder),
                                 "a folder no other sweep is writing to now") from None
        self._lock = fd
        if not (self.folder / SPEC_FILE).is_file():
            data = json.dumps({**record, "fingerprint": self.fingerprint}, indent=2, default=str)
            atomic_write_bytes(self.folder / SPEC_FILE, data.encode())
        # Temporary files of a writer that was killed; no one else writes here (we hold the lock).
        for stale in self.parts.glob(".part-*"):
            stale.unlink(missing_ok=True)

    def close(self) -> None:
        """Releases the folder's lock."""
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            os.close(self._lock)
            self._lock = None

    def part_files(self) -> list[Path]:
        """Returns the finished part files, in name order."""
        return sorted(self.parts.glob("part-*.parquet")) if self.parts.is_dir() else []

    def done(self) -> set[int]:
        """Returns the run ids already stored; sets aside part files that cannot be read whole."""
        ids: set[int] = set()
        for path in self.part_files():
            try:
                table = pq.read_table(path)
                held = table.column("run_id").to_pylist()
            except (OSError, ValueError, KeyError, pa.ArrowException) as err:
                self._set_aside(path, err)
                continue
            ids.update(held)
        return ids

    def _set_aside(self, path: Path, err: BaseException) -> None:
        """Renames a damaged part file out of the dataset (keeping it) and notes it."""
        aside = path.with_name(path.name + DAMAGED)
        os.replace(path, aside)
        self.set_aside.append(aside)
        reason = " ".join(str(err).split()).split(". ")[0][:160] or "unreadable"
        self.notes.append(f"part file {path} cannot be read ({type(err).__name__}: {reason}); set aside "
                          f"as {aside.name}, its runs will be run again")

    def append(self, rows: pd.DataFrame) -> Path:
        """Writes a batch of finished runs as a new part file (atomically); returns its path."""
        number = len(self.part_files()) + 1
        path = self.parts / f"part-{number:06d}-{uuid.uuid4().hex[:8]}.parquet"
        atomic_write_table(rows, path)
        return path

    def read(self) -> pd.DataFrame:
        """Returns every stored run once (first copy of a repeated run id), sorted by run_id."""
        parts = [pd.read_parquet(path) for path in self.part_files()]
        if not parts:
            return pd.DataFrame()
        runs = pd.concat(parts, ignore_index=True)
        if "status" not in runs:
            runs["status"], runs["error"] = "ok", ""
        runs["status"] = runs["status"].fillna("ok")
        runs["error"] = runs["error"].fillna("")
        runs = runs.drop_duplicates("run_id", keep="first").sort_values("run_id", kind="stable")
        return runs.reset_index(drop=True)
