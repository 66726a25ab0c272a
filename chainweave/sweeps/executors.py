"""Executors: where a sweep's runs are evaluated, in chunks, yielding results as they finish.

- `InProcess`: in this process, one run after another (``workers=1``).
- `LocalPool`: a local process pool (`concurrent.futures.ProcessPoolExecutor` on the
  forkserver start method, safe in a multi-threaded parent and where fork is unavailable);
  workers ignore Ctrl-C, which the parent handles, and exit if the parent is killed.
- `DaskExecutor`: a Dask distributed cluster through a `distributed.Client`. A chunk whose
  worker died (`distributed.KilledWorker`, after the scheduler's own reschedules) is
  submitted again, up to ``retries`` times. Dask starts workers with
  ``MALLOC_TRIM_THRESHOLD_=65536``, which makes model runs about twice as slow (every large
  array is mapped and unmapped); a warning says so and how to start workers without it
  (`MALLOC_ADVICE`).

Every executor evaluates the same runs with the same seeds (the seeds travel with the runs),
so results do not depend on the executor, its size or the order runs finish in. A run that
raises is not the end of its chunk or of the sweep: `evaluate_runs` returns its error as one
line (`error_line`) in place of its outputs, and the sweep records it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import threading
import uuid
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import TYPE_CHECKING, Any, Protocol

from chainweave.errors import ParameterError
from chainweave.processes import check_main_guard
from chainweave.sweeps.targets import Target

if TYPE_CHECKING:
    from distributed import Client

RunTask = tuple[int, dict[str, float], int]
"""One run to evaluate: (run id, {parameter path: value}, seed)."""
RunResult = tuple[int, dict[str, float], str]
"""One evaluated run: (run id, {output column: value}, error line; "" for a run that finished)."""

MAX_ERROR_CHARS = 300
"""Longest error line stored for a failed run."""


def error_line(err: BaseException) -> str:
    """Returns an exception as one line: its type and the first line of its message, shortened."""
    message = str(err).strip().splitlines()
    text = f"{type(err).__name__}: {message[0]}" if message else type(err).__name__
    return text if len(text) <= MAX_ERROR_CHARS else text[:MAX_ERROR_CHARS - 3] + "..."


def evaluate_runs(target: Target, runs: Sequence[RunTask]) -> list[RunResult]:
    """Returns the outputs of each run of a chunk (what every executor calls in its workers).

    A run that raises (any `Exception`; Ctrl-C still stops the sweep) gets no outputs and
    its error line.
    """
    results: list[RunResult] = []
    for run_id, values, seed in runs:
        try:
            results.append((run_id, target.evaluate(values, seed), ""))
        except Exception as err:  # noqa: BLE001 - one failing run must not end the sweep
            results.append((run_id, {}, error_line(err)))
    return results


class RunExecutor(Protocol):
    """Evaluates chunks of runs somewhere; yields each chunk's results as it finishes."""

    description: str
    workers: int

    def results(self, target: Target, chunks: Sequence[Sequence[RunTask]]) -> Iterator[list[RunResult]]:
        """Yields the results of each chunk, in the order chunks finish."""
        ...

    def close(self) -> None:
        """Releases what the executor started (processes, a client it connected)."""
        ...


class InProcess:
    """Evaluates runs in this process, one after another."""

    description = "this process"
    workers = 1

    def results(self, target: Target, chunks: Sequence[Sequence[RunTask]]) -> Iterator[list[RunResult]]:
        """Yields the results of each chunk in order."""
        for chunk in chunks:
            yield evaluate_runs(target, chunk)

    def close(self) -> None:
        """Nothing to release."""


def _watch_parent() -> None:
    """Ends this worker once the sweep process is gone (killed with SIGKILL, say).

    The sentinel multiprocessing gives a child of the pool closes when the process that
    started it dies, zombie or not.
    """
    parent = multiprocessing.parent_process()
    if parent is not None:
        parent.join()
        os._exit(1)


def _start_worker() -> None:
    """Pool worker initializer: leaves Ctrl-C to the parent, and exits when the parent dies.

    Ctrl-C reaches the whole process group; the parent handles it. A parent killed outright
    cannot stop its workers, which would otherwise wait for work forever.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, daemon=True, name="watch-parent").start()


class LocalPool:
    """A local pool of worker processes (started on first use)."""

    def __init__(self, workers: int) -> None:
        """Makes a pool of ``workers`` processes (>= 1)."""
        self.workers = workers
        self.description = f"local pool of {workers} processes"
        self._pool: ProcessPoolExecutor | None = None

    def results(self, target: Target, chunks: Sequence[Sequence[RunTask]]) -> Iterator[list[RunResult]]:
        """Yields the results of each chunk as it finishes; cancels the rest if stopped."""
        if self._pool is None:
            # forkserver: forking this (possibly multi-threaded) process could deadlock a child.
            context = multiprocessing.get_context("forkserver")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_start_worker)
        futures = [self._pool.submit(evaluate_runs, target, list(chunk)) for chunk in chunks]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        """Stops the worker processes (after the runs they are in)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


MALLOC_ADVICE = (
    "Dask workers run with MALLOC_TRIM_THRESHOLD_ set (Dask's default), which makes model runs about "
    "twice as slow; start them with the Dask setting distributed.nanny.pre-spawn-environ."
    "MALLOC_TRIM_THRESHOLD_ set to None (dask.config.set before LocalCluster, or the workers' "
    "Dask configuration)")
"""The warning given when a Dask worker's environment holds ``MALLOC_TRIM_THRESHOLD_``."""


def _trim_threshold() -> str | None:
    """Returns this process's ``MALLOC_TRIM_THRESHOLD_`` (run on each Dask worker)."""
    return os.environ.get("MALLOC_TRIM_THRESHOLD_")


class DaskExecutor:
    """Runs chunks on a Dask distributed cluster; chunks whose worker died are resubmitted.

    Attributes:
        client: The Dask client.
        retries: Times a chunk is resubmitted after its worker died, >= 0.
    """

    def __init__(self, client: Client, retries: int = 3, owns_client: bool = False) -> None:
        """Wraps ``client``; ``owns_client``: close it in `close` (it was connected here)."""
        self.client = client
        self.retries = retries
        self._owns = owns_client
        self.workers = max(1, sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()))
        self.description = f"Dask cluster at {client.scheduler.address} ({self.workers} threads)"

    def results(self, target: Target, chunks: Sequence[Sequence[RunTask]]) -> Iterator[list[RunResult]]:
        """Yields the results of each chunk as it finishes; cancels the rest if stopped."""
        from distributed import as_completed as dask_completed
        from distributed.scheduler import KilledWorker

        if any(v is not None for v in self.client.run(_trim_threshold).values()):
            warnings.warn(MALLOC_ADVICE, RuntimeWarning, stacklevel=2)
        token = uuid.uuid4().hex[:12]

        def submit(index: int, attempt: int) -> Any:
            return self.client.submit(evaluate_runs, target, list(chunks[index]), pure=False,
                                      key=f"chainweave-sweep-{token}-{index}-{attempt}")

        futures = {submit(i, 0): (i, 0) for i in range(len(chunks))}
        pending = dask_completed(list(futures), raise_errors=False)
        try:
            for future in pending:
                index, attempt = futures.pop(future)
                if future.status == "finished":
                    yield future.result()
                    continue
                error = future.exception()
                if isinstance(error, KilledWorker) and attempt < self.retries:
                    retry = submit(index, attempt + 1)
                    futures[retry] = (index, attempt + 1)
                    pending.add(retry)
                    continue
                raise error
        finally:
            if futures:
                self.client.cancel(list(futures))

    def close(self) -> None:
        """Closes the client if it was connected here (a script's own client stays open)."""
        if self._owns:
            self.client.close()


def connect(address: str, timeout_s: float = 10.0) -> Client:
    """Returns a client of the Dask scheduler at ``address``.

    A TCP or TLS address is first tried with a plain socket, so a wrong host or port fails
    at once, before a client exists.

    Raises:
        ParameterError: if no scheduler answers there within ``timeout_s`` seconds.
    """
    from distributed import Client
    from distributed.comm.addressing import parse_address, parse_host_port

    expected = "the address of a running Dask scheduler, e.g. tcp://host:8786"
    try:
        scheme, location = parse_address(address, strict=False)
        if scheme in ("tcp", "tls"):
            socket.create_connection(parse_host_port(location), timeout=timeout_s).close()
        return Client(address, timeout=f"{timeout_s}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as err:
        reason = " ".join(str(err).split())[:160] or type(err).__name__
        raise ParameterError("scheduler", address, f"{expected} (connecting failed: {reason})") from None


def make_executor(executor: Any = None, workers: int = 1, scheduler: str | None = None,
                  retries: int = 3) -> RunExecutor:
    """Returns the executor a sweep runs on.

    Args:
        executor: A `distributed.Client`, or None for a local one.
        workers: Processes of the local pool (1: in this process), >= 1.
        scheduler: Address of a Dask scheduler to connect to (instead of ``executor``).
        retries: Resubmissions of a chunk whose Dask worker died, >= 0.

    Raises:
        ParameterError: for a bad count, an unknown executor, or an unreachable scheduler.
    """
    for name, value, low in (("workers", workers, 1), ("retries", retries, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ParameterError(name, value, f"a whole number >= {low}")
    if executor is not None and scheduler is not None:
        raise ParameterError("scheduler", scheduler, "either a scheduler address or an executor, not both")
    if scheduler is not None:
        return DaskExecutor(connect(scheduler), retries, owns_client=True)
    if executor is not None:
        from distributed import Client

        if not isinstance(executor, Client):
            raise ParameterError("executor", type(executor).__name__, "a distributed.Client, or None")
        return DaskExecutor(executor, retries)
    if workers > 1:
        check_main_guard(workers)
    return InProcess() if workers == 1 else LocalPool(workers)
