"""A script that starts worker processes without a __main__ guard is stopped with one clear line."""

import sys
import types

import pytest

from chainweave.comparison import compare
from chainweave.errors import ParameterError
from chainweave.processes import check_main_guard, has_main_guard
from chainweave.sweeps.executors import make_executor


def test_the_guard_is_found_only_at_top_level():
    assert has_main_guard('import x\nif __name__ == "__main__":\n    x.run()\n')
    assert has_main_guard("if '__main__' == __name__:\n    pass\n")
    assert not has_main_guard("from chainweave import sweep\nsweep('s.yaml', workers=2)\n")
    assert not has_main_guard('def f():\n    if __name__ == "__main__":\n        pass\n')


@pytest.fixture
def unguarded_script(tmp_path, monkeypatch):
    script = tmp_path / "my_sweep.py"
    script.write_text("from chainweave.sweeps import sweep\nsweep('s.yaml', workers=2)\n")
    monkeypatch.setitem(sys.modules, "__main__", types.SimpleNamespace(__file__=str(script)))
    return script


def test_sweep_and_compare_workers_stop_before_any_worker_starts(unguarded_script):
    check_main_guard(1)  # one process: nothing re-imports the script
    with pytest.raises(ParameterError, match=r"my_sweep.py has none.*or workers=1") as err:
        make_executor(workers=2)
    assert 'if __name__ == "__main__":' in str(err.value)
    with pytest.raises(ParameterError, match="my_sweep.py has none"):
        compare("synthetic", variants=["talent"], replications=2, steps=1, workers=2, progress=False)


def test_a_guarded_script_or_a_session_without_a_file_passes(tmp_path, monkeypatch):
    script = tmp_path / "guarded.py"
    script.write_text('if __name__ == "__main__":\n    pass\n')
    monkeypatch.setitem(sys.modules, "__main__", types.SimpleNamespace(__file__=str(script)))
    check_main_guard(4)
    monkeypatch.setitem(sys.modules, "__main__", types.SimpleNamespace())  # a notebook, python -c
    check_main_guard(4)
