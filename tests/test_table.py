"""Column tables: rows dropped and added in place, uids found after rows move."""

import numpy as np
import pytest

from chainweave.agents.table import ColumnTable, rows_to_move


class Things(ColumnTable):
    COLUMNS = {"value": np.float64, "flag": np.bool_}


def _table(n: int) -> Things:
    return Things(value=np.arange(n, dtype=float), flag=np.zeros(n, dtype=bool))


def _check_rows(table: Things) -> None:
    for row, uid in enumerate(table.uid):
        assert table.row_of(int(uid)) == row


@pytest.mark.parametrize(("dropped", "added"), [([1, 4, 7], 1), ([1, 4, 7], 3), ([1, 4, 7], 5),
                                                ([8, 9], 0), ([0, 9], 1), ([], 2), ([2], 0)])
def test_keep_and_append_keeps_the_right_rows(dropped, added):
    table = _table(10)
    mask = np.ones(10, dtype=bool)
    mask[dropped] = False
    gone, uids = table.keep_and_append(mask, value=100.0 + np.arange(added), flag=np.ones(added, bool))
    assert sorted(gone.tolist()) == dropped
    assert uids.tolist() == list(range(10, 10 + added))
    assert len(table) == 10 - len(dropped) + added
    # every kept row is there once, with its value; new rows carry theirs
    kept = [u for u in range(10) if u not in dropped]
    assert sorted(table.uid.tolist()) == kept + uids.tolist()
    for uid, value, flag in zip(table.uid, table.value, table.flag, strict=True):
        assert value == (uid if uid < 10 else 100.0 + uid - 10)
        assert flag == (uid >= 10)
    for uid in dropped:
        assert table.row_of(uid) == -1
    _check_rows(table)


def test_new_rows_take_dropped_rows_and_the_last_rows_fill_the_rest():
    table = _table(10)
    mask = np.ones(10, dtype=bool)
    mask[[1, 4, 7]] = False
    table.keep_and_append(mask, value=np.array([50.0]))
    # row 1 gets the new row; rows 4 and 7 are empty, the table shrinks to 8 rows,
    # and row 8 and 9 (the last kept rows) move into them in order
    assert table.uid.tolist() == [0, 10, 2, 3, 8, 5, 6, 9]
    moved_from, moved_to = rows_to_move(mask, 1)
    assert moved_from.tolist() == [8, 9] and moved_to.tolist() == [4, 7]


def test_extra_new_rows_go_at_the_end():
    table = _table(4)
    table.keep_and_append(np.array([True, False, True, True]), value=np.array([7.0, 8.0, 9.0]))
    assert table.uid.tolist() == [0, 4, 2, 3, 5, 6]
    assert table.value.tolist() == [0.0, 7.0, 2.0, 3.0, 8.0, 9.0]
    _check_rows(table)


def test_keep_and_append_repeated_keeps_uids_unique():
    rng = np.random.default_rng(0)
    table = _table(50)
    for _ in range(20):
        mask = rng.random(len(table)) > 0.2
        table.keep_and_append(mask, value=rng.random(int(rng.integers(0, 20))))
        assert len(set(table.uid.tolist())) == len(table)
        _check_rows(table)
