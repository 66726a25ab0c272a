"""What the engine benchmark runs: sizes, seeds, steps and repetitions.

Small configurations (``--quick``) let the whole suite run in about a minute; the full set
is the one reported in ``docs/performance.md``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Suite:
    """One benchmark configuration.

    Attributes:
        sizes: Firms at step 0 of the throughput runs (each in a fresh subprocess).
        steps: Years stepped per repetition of a throughput run.
        repeats: Repetitions per seed; the best (fastest) counts.
        seeds: Seeds of the throughput runs.
        reference: (firms, vectorised steps, reference steps) of the same-process comparison
            with the per-agent reference.
        place_copies: Copies of the default synthetic cluster, side by side, for the scaling
            in places (fixed density, fixed firms).
        place_firms: Firms of the scaling-in-places runs.
        step_counts: Step counts of the scaling-in-steps runs (at ``place_firms`` firms).
        national_firms: Firms of the national run (0: skip it).
        national_steps: Years of the national run.
    """

    sizes: tuple[int, ...]
    steps: int
    repeats: int
    seeds: tuple[int, ...]
    reference: tuple[tuple[int, int, int], ...]
    place_copies: tuple[int, ...]
    place_firms: int
    step_counts: tuple[int, ...]
    national_firms: int
    national_steps: int


FULL = Suite(
    sizes=(10_000, 100_000, 1_000_000),
    steps=5,
    repeats=3,
    seeds=(1, 2),
    reference=((10_000, 5, 2), (100_000, 5, 1)),
    place_copies=(1, 4, 16, 64),
    place_firms=100_000,
    step_counts=(5, 10, 20),
    national_firms=1_000_000,
    national_steps=30,
)

QUICK = Suite(
    sizes=(10_000, 100_000),
    steps=3,
    repeats=2,
    seeds=(1,),
    reference=((10_000, 3, 1),),
    place_copies=(1, 4, 16),
    place_firms=30_000,
    step_counts=(3, 6),
    national_firms=20_000,
    national_steps=3,
)
