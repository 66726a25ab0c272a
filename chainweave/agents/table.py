"""Column storage for one agent type, and the light Mesa agents that point into it.

Agents of a type keep their state as numpy columns, one row per agent, so phases update all
of them at once. `RowAgent` is the object Mesa sees: it holds only a unique id and reads its
row on demand, for inspection, visualisation and Mesa's tools (AgentSet, DataCollector).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import mesa
import numpy as np
from numpy.typing import NDArray

from chainweave.errors import ParameterError

if TYPE_CHECKING:
    from chainweave.model import ClusterModel


class ColumnTable:
    """Rows of agents of one type, stored as named numpy columns of equal length.

    Subclasses list their columns in ``COLUMNS`` (name -> dtype). Every table has a ``uid``
    column (unique, never reused) so a row can be found after others were removed.
    """

    COLUMNS: ClassVar[dict[str, Any]] = {}

    def __init__(self, **columns: NDArray[Any]) -> None:
        """Builds the table from full columns; missing columns start at zero."""
        unknown = set(columns) - set(self.COLUMNS) - {"uid"}
        if unknown:
            raise KeyError(f"unknown columns for {type(self).__name__}: {sorted(unknown)}")
        n = len(next(iter(columns.values()))) if columns else 0
        for name, dtype in {**self.COLUMNS, "uid": np.int64}.items():
            value = columns.get(name)
            column = np.zeros(n, dtype=dtype) if value is None else np.asarray(value, dtype=dtype)
            if column.shape != (n,):
                raise ValueError(f"column {name} has shape {column.shape}, expected ({n},)")
            setattr(self, name, column)
        self.next_uid = 0
        if "uid" not in columns:
            self.uid = np.arange(n, dtype=np.int64)
        self.next_uid = int(self.uid.max()) + 1 if n else 0
        self._row_of_uid = np.full(self.next_uid, -1, dtype=np.int64)
        self._row_of_uid[self.uid] = np.arange(n)

    def __len__(self) -> int:
        return len(self.uid)

    @property
    def column_names(self) -> tuple[str, ...]:
        """Names of the state columns, ``uid`` first."""
        return ("uid", *self.COLUMNS)

    def row_of(self, uid: int) -> int:
        """Returns the current row of agent ``uid``, or -1 if it has left."""
        return int(self._row_of_uid[uid]) if 0 <= uid < len(self._row_of_uid) else -1

    def keep_and_append(
        self, mask: NDArray[np.bool_], **columns: NDArray[Any]
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Drops the rows where ``mask`` is False and adds new rows; returns (uids dropped, uids added).

        The table stays compact and only the rows that change are written (unless it grows):
        new rows take the rows of dropped ones, in row order; new rows left over go at the end
        (every column is then copied once into a longer array); rows dropped and not taken are
        closed by moving the last rows of the table into them (`rows_to_move`). Rows therefore
        do not keep their order. Missing columns of the new rows are zero.
        """
        added = len(next(iter(columns.values()))) if columns else 0
        dropped = np.flatnonzero(~mask)
        size = len(mask) - len(dropped) + added
        taken = dropped[:added]  # dropped rows that new rows take
        moved_from, moved_to = rows_to_move(mask, added)
        gone = self.uid[dropped]
        uids = np.arange(self.next_uid, self.next_uid + added, dtype=np.int64)
        for name in self.column_names:
            old = getattr(self, name)
            value = uids if name == "uid" else columns.get(name)
            new = np.zeros(added, dtype=old.dtype) if value is None else np.asarray(value, dtype=old.dtype)
            if size > len(old):
                column = np.empty(size, dtype=old.dtype)
                column[:len(old)] = old
                column[len(old):] = new[len(taken):]
            else:  # a view; the rows beyond ``size`` were dropped or are moved in below
                column = old[:size]
                column[moved_to] = old[moved_from]
            column[taken] = new[:len(taken)]
            setattr(self, name, column)
        self.next_uid += added
        self._row_of_uid = np.concatenate([self._row_of_uid, np.full(added, -1, dtype=np.int64)])
        self._row_of_uid[gone] = -1
        changed = np.concatenate([moved_to, taken, np.arange(len(mask), size)])
        self._row_of_uid[self.uid[changed]] = changed
        return gone, uids

    def keep(self, mask: NDArray[np.bool_]) -> NDArray[np.int64]:
        """Drops the rows where ``mask`` is False; returns the uids that were dropped."""
        return self.keep_and_append(mask)[0]

    def append(self, **columns: NDArray[Any]) -> NDArray[np.int64]:
        """Adds rows (missing columns zero); returns the new uids."""
        return self.keep_and_append(np.ones(len(self), dtype=bool), **columns)[1]

    def row(self, uid: int) -> dict[str, Any]:
        """Returns the state of agent ``uid`` as a dict of plain Python values."""
        r = self.row_of(uid)
        if r < 0:
            raise KeyError(f"{type(self).__name__} has no agent {uid}")
        return {name: getattr(self, name)[r].item() for name in self.column_names}


def rows_to_move(
    kept: NDArray[np.bool_], added: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Returns (from, to): the kept rows that `ColumnTable.keep_and_append` moves, and where.

    New rows take the first ``added`` dropped rows. If fewer rows are added than dropped, the
    table shrinks to (rows kept + added) rows, and the kept rows at or beyond that size move,
    in row order, into the dropped rows below it that no new row took, in row order.

    Args:
        kept: Whether each current row stays.
        added: Number of new rows.
    """
    dropped = np.flatnonzero(~kept)
    size = len(kept) - len(dropped) + added
    empty = dropped[added:]
    return size + np.flatnonzero(kept[size:]), empty[empty < size]


READ_ONLY: tuple[str, ...] = ("uid", "place")
"""Columns a handle cannot write: ``uid`` keys the agent's row, ``place`` ties it to the place
arrays (firms move by the relocation phase, which keeps the counts and flows)."""


class RowAgent(mesa.Agent):
    """A Mesa agent that is a handle onto one row of a `ColumnTable`.

    Attribute access goes through to the row: ``firm.productivity`` reads the column and
    ``firm.productivity *= 3`` writes it, so the model's next phases see the change. A lever
    of a government or provider (a budget share, the carbon price, ...) written this way also
    becomes its baseline, the value the policies act on each year. ``uid`` and ``place`` are
    read-only (`READ_ONLY`); other names set on a handle stay on the handle, as with any
    Mesa agent.

    ``uid`` is the agent's key in its type's table (``model.firms.row(uid)``; counted per
    type from 0, never reused); ``unique_id`` is Mesa's id, unique over all agents of the
    model (Mesa counts it from 1 across the four types), so the two differ.
    """

    table_name: ClassVar[str] = ""

    def __init__(self, model: ClusterModel, uid: int) -> None:
        super().__init__(model)
        self.uid = uid

    @property
    def table(self) -> ColumnTable:
        """The column table this agent's state lives in."""
        return getattr(self.model, self.table_name)

    @property
    def state(self) -> dict[str, Any]:
        """This agent's current state, column by column."""
        return self.table.row(self.uid)

    def __getattr__(self, name: str) -> Any:
        # Only reached when normal lookup fails: read the column value of this agent's row.
        if name.startswith("_") or name in ("model", "uid", "unique_id", "pos"):
            raise AttributeError(name)
        table = self.table
        if name in table.COLUMNS:
            r = table.row_of(self.uid)
            if r < 0:
                raise AttributeError(f"agent {self.uid} has left the model")
            return getattr(table, name)[r].item()
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        model = self.__dict__.get("model")
        table = getattr(model, self.table_name, None) if model is not None else None
        if name in READ_ONLY and (name in self.__dict__ or (table is not None and name in table.COLUMNS)):
            raise AttributeError(f"{type(self).__name__}.{name} is read-only through a handle (it keys "
                                 "the agent's row and place); change model tables only in phases")
        if table is None or name not in table.COLUMNS:
            super().__setattr__(name, value)
            return
        r = table.row_of(self.uid)
        if r < 0:
            raise AttributeError(f"agent {self.uid} has left the model")
        column = getattr(table, name)
        if column.dtype.kind in "iu" and (isinstance(value, bool) or float(value) != int(value)):
            raise ParameterError(f"{type(self).__name__}.{name}", value, "a whole number")
        column[r] = value
        baseline = getattr(getattr(model, "lever_baseline", None), self.table_name, None)
        if baseline is not None and name in baseline and r < len(baseline[name]):
            baseline[name][r] = value

    def __repr__(self) -> str:
        return f"{type(self).__name__}(uid={self.uid}, unique_id={self.unique_id})"


class HandlesByType(dict):
    """Mesa's ``agents_by_type``, saying what to do when a model made no firm handles.

    Above `chainweave.model.FIRM_HANDLE_LIMIT` firms (or with ``firm_handles=False``) a
    model has no Mesa agent per firm; asking for them raises a `MissingHandles` error that
    points to the column table instead of a bare ``KeyError``.
    """

    def __init__(self, by_type: dict[type, Any], missing: dict[type, str]) -> None:
        super().__init__(by_type)
        self.missing = missing

    def __missing__(self, key: type) -> Any:
        if key in self.missing:
            raise MissingHandles(self.missing[key])
        raise KeyError(key)


class MissingHandles(KeyError):
    """No Mesa handles for an agent type (its rows are in the column table)."""

    def __str__(self) -> str:
        return str(self.args[0])


def group_sum(
    keys: NDArray[np.int64], values: NDArray[np.float64] | None, n_groups: int
) -> NDArray[np.float64]:
    """Returns per-group sums of ``values`` (counts when None), groups 0..n_groups-1."""
    return np.bincount(keys, weights=values, minlength=n_groups).astype(np.float64)


def group_max(
    keys: NDArray[np.int64], values: NDArray[np.float64], n_groups: int
) -> NDArray[np.float64]:
    """Returns per-group maxima of ``values`` (0 for empty groups)."""
    out = np.zeros(n_groups)
    np.maximum.at(out, keys, values)
    return out


POISSON_EXACT_BELOW = 1e12
"""Expected counts above this are taken as counts (numpy's Poisson draw refuses about 1e19)."""


def poisson_counts(rng: np.random.Generator, expected: NDArray[np.float64]) -> NDArray[np.float64]:
    """Returns Poisson(expected) counts, one draw per element, as floats.

    Above `POISSON_EXACT_BELOW` the rounded expectation stands for the draw: its relative noise,
    1 / sqrt(expected), is below one in a million there.
    """
    expected = np.asarray(expected, dtype=float)
    drawn = rng.poisson(np.minimum(expected, POISSON_EXACT_BELOW)).astype(float)
    return np.where(expected < POISSON_EXACT_BELOW, drawn, np.round(expected))
