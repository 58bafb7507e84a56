"""The fit: each observed figure's parameter, found by least squares (scipy.optimize) on the
figures' residuals standardised by their binomial errors, over replications on common random
numbers (the same seeds, dentsim run --replications's, at every evaluation).

The simulation is a discrete-event model: a small change of a parameter flips a few draws and
everything after them, so its figures are noisy at fine scale even on common random numbers.
The Jacobian is therefore taken by forward differences of a quarter of each parameter's value
(a secant: the figures are monotone and close to proportional in their parameters, and a change
that size moves a figure well beyond the replications' noise). The search stops once every
figure lies within a quarter of its observed interval's half-width of the observed value.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

from dentsim.calibration.figures import DRIVERS, bounds, check_measurable, current, measure
from dentsim.calibration.figures import overrides as figure_overrides
from dentsim.calibration.observed import Observed
from dentsim.errors import InputError
from dentsim.experiments.replications import replica, replication_seed
from dentsim.results.stats import SHARE, mean_estimate
from dentsim.scenario import Scenario, apply_overrides

STEP = 0.25  # forward-difference step, as a share of the parameter's value
CLOSE_ENOUGH = 0.25  # stop when every figure is this share of its half-width from the observed
MAX_ITERATIONS = 25
SIGNIFICANT = 4  # digits of a fitted value as written (and evaluated last)
Z95 = 1.959963984540054
NEAR_BOUND = 0.005  # a fitted value this share of its range from an end is at that end


@dataclass(frozen=True, slots=True)
class FigureFit:
    """An observed figure against the simulated one at the fitted values.

    Attributes:
        observed: the figure as the practice observed it, with its binomial interval.
        simulated, low, high: the mean over replications and its 95 % t interval.
        closest: the simulated mean nearest the observed one over the whole search.
    """

    observed: Observed
    simulated: float
    low: float
    high: float
    closest: float

    @property
    def reached(self) -> bool:
        return self.observed.low <= self.simulated <= self.observed.high


@dataclass(frozen=True, slots=True)
class ParameterFit:
    """A fitted parameter: where it started, where it ended, its uncertainty.

    Attributes:
        sd: its standard error from the Jacobian (the observed figures' binomial errors and the
            replications' noise, propagated); None when the figures do not move with it.
        low, high: value -/+ 1.96 sd, within the parameter's bounds.
        bound_low, bound_high: its range.
        at_bound: the fit pushed it to an end of its range (within NEAR_BOUND of it: the
            search keeps strictly inside).
    """

    figure: str
    key: str
    start: float
    value: float
    sd: float | None
    low: float
    high: float
    bound_low: float
    bound_high: float
    at_bound: bool


@dataclass(frozen=True, slots=True)
class Calibration:
    figures: list[FigureFit]
    parameters: list[ParameterFit]
    overrides: dict[str, float]  # every dotted key written, the no-show ratio's partner too
    replications: int
    evaluations: int
    seconds: float

    @property
    def reached(self) -> bool:
        return all(f.reached for f in self.figures)


class _CloseEnough(Exception):
    """Every figure is close to its observed value: stop the search here."""


class _Evaluator:
    """The figures' samples (replications x figures) at parameter values, cached."""

    def __init__(
        self,
        scenario: Scenario,
        observed: list[Observed],
        replications: int,
        pool: ProcessPoolExecutor | None,
        progress: Callable[[int, list[float]], None] | None,
    ):
        # transcripts change no figure, only the memory and time a run takes
        self.scenario = apply_overrides(scenario, {"dialogue.transcripts": False})
        self.names = tuple(o.figure for o in observed)
        self.seeds = [replication_seed(scenario.seed, r) for r in range(replications)]
        self.pool, self.progress = pool, progress
        self.cache: dict[tuple[float, ...], np.ndarray] = {}

    def samples(self, theta: np.ndarray) -> np.ndarray:
        key = tuple(float(t) for t in theta)
        if key not in self.cache:
            changed = figure_overrides(self.scenario, dict(zip(self.names, key, strict=True)))
            scenario = apply_overrides(self.scenario, changed)
            tasks = [(replica(scenario, seed), self.names) for seed in self.seeds]
            rows = self.pool.map(measure, tasks) if self.pool else map(measure, tasks)
            self.cache[key] = np.array(
                [[np.nan if v is None else v for v in row] for row in rows], dtype=np.float64
            )
            if self.progress:
                self.progress(len(self.cache), list(np.nanmean(self.cache[key], axis=0)))
        return self.cache[key]

    def means(self, theta: np.ndarray) -> np.ndarray:
        x = self.samples(theta)
        with np.errstate(all="ignore"):
            return np.where(np.isfinite(x).any(axis=0), np.nanmean(x, axis=0), np.nan)


def _se(o: Observed) -> float:
    """The observed figure's standard error, from its 95 % interval (Wilson: defined at 0 too)."""
    return max((o.high - o.low) / (2 * Z95), 1e-9)


def calibrate(
    scenario: Scenario,
    observed: list[Observed],
    replications: int = 4,
    workers: int | None = None,
    progress: Callable[[int, list[float]], None] | None = None,
) -> Calibration:
    """Fit each observed figure's parameter (figures.DRIVERS) over `replications` replications.

    Raises InputError for what cannot be calibrated at all (a group scenario, a use case the
    scenario does not run, a figure its runs never measure); a figure fitted but not reached is
    in the result (`reached` false), for the caller to refuse.
    """
    if scenario.group is not None:
        raise InputError(
            "calibrate: a group scenario (group:) has many practices; calibrate one practice's "
            "scenario, without its group: block"
        )
    if replications < 2:
        raise InputError("--replications: calibrating needs at least 2 (for the intervals)")
    check_measurable(scenario, [o.figure for o in observed], {o.figure: o.where for o in observed})
    workers = min(replications, workers or os.cpu_count() or 1)
    started = time.perf_counter()
    if workers > 1:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return _fit(
                scenario,
                observed,
                _Evaluator(scenario, observed, replications, pool, progress),
                started,
            )
    return _fit(
        scenario, observed, _Evaluator(scenario, observed, replications, None, progress), started
    )


def _fit(
    scenario: Scenario, observed: list[Observed], evaluator: _Evaluator, started: float
) -> Calibration:
    names = [o.figure for o in observed]
    target = np.array([o.rate for o in observed])
    se = np.array([_se(o) for o in observed])
    half = np.array([(o.high - o.low) / 2 for o in observed])
    start = np.array([current(scenario, DRIVERS[f].key) for f in names])
    lo, hi = (np.array(b) for b in zip(*(bounds(scenario, f) for f in names), strict=True))
    # the search runs on multiples of a typical value, so that one step means the same for all
    scale = np.where(start > 0, start, (hi - lo) / 100)

    def theta_of(u: np.ndarray) -> np.ndarray:
        # evaluated as written: the values the scenario file will hold are the ones fitted
        return np.array([_round(t, a, b) for t, a, b in zip(u * scale, lo, hi, strict=True)])

    def residuals(u: np.ndarray) -> np.ndarray:
        means = evaluator.means(theta_of(u))
        if np.all(np.abs(means - target) <= CLOSE_ENOUGH * half):
            raise _CloseEnough(u)
        return np.nan_to_num((means - target) / se, nan=1e3)

    def differences(u: np.ndarray) -> np.ndarray:
        base = residuals(u)
        columns = []
        for j in range(len(u)):
            h = STEP * max(u[j], 0.2)
            if u[j] + h > hi[j] / scale[j]:
                h = -h  # backwards from the top of the range
            step = u.copy()
            step[j] = np.clip(u[j] + h, lo[j] / scale[j], hi[j] / scale[j])
            columns.append((residuals(step) - base) / (step[j] - u[j]))
        return np.column_stack(columns)

    secant = _Secant(differences, residuals)
    u0 = np.clip(start, lo, hi) / scale
    at_start = evaluator.means(theta_of(u0))
    missing = [o.where for o, m in zip(observed, at_start, strict=True) if np.isnan(m)]
    if missing:
        raise InputError(
            [
                f"{w}: the scenario's runs never measure it (no contact or visit counts)"
                for w in missing
            ]
        )
    try:
        result = least_squares(
            residuals, u0, jac=secant.jacobian, bounds=(lo / scale, hi / scale), method="trf",
            max_nfev=MAX_ITERATIONS, xtol=1e-4, ftol=1e-4,
        )  # fmt: skip
        u = result.x
    except _CloseEnough as reached:
        u = reached.args[0]
    return _result(scenario, observed, evaluator, theta_of(u), start, lo, hi, se, started)


class _Secant:
    """The Jacobian least_squares asks for at each iteration: forward differences at the start,
    then Broyden's rank-one update from each step taken (one evaluation per iteration instead
    of one per parameter more), differences again whenever a step made the fit worse."""

    def __init__(
        self,
        differences: Callable[[np.ndarray], np.ndarray],
        residuals: Callable[[np.ndarray], np.ndarray],
    ):
        self.differences, self.residuals = differences, residuals
        self.u: np.ndarray | None = None
        self.r: np.ndarray | None = None
        self.jac: np.ndarray | None = None

    def jacobian(self, u: np.ndarray) -> np.ndarray:
        r = self.residuals(u)
        if self.jac is None or self.u is None or self.r is None or r @ r >= self.r @ self.r:
            self.jac = self.differences(u)
        else:
            du, dr = u - self.u, r - self.r
            if du @ du > 0:
                self.jac = self.jac + np.outer(dr - self.jac @ du, du) / (du @ du)
        self.u, self.r = u.copy(), r
        return self.jac


def _round(value: float, low: float, high: float) -> float:
    """The value as written: SIGNIFICANT digits, within its bounds."""
    return float(np.clip(float(f"{value:.{SIGNIFICANT}g}"), low, high))


def _result(
    scenario: Scenario,
    observed: list[Observed],
    evaluator: _Evaluator,
    theta: np.ndarray,
    start: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    se: np.ndarray,
    started: float,
) -> Calibration:
    names = [o.figure for o in observed]
    samples = evaluator.samples(theta)
    estimate = mean_estimate(samples, SHARE)
    sd = _uncertainty(evaluator, theta, lo, hi, se, samples)
    history = np.array([np.nanmean(x, axis=0) for x in evaluator.cache.values()])
    target = np.array([o.rate for o in observed])
    nearest = history[np.nanargmin(np.abs(history - target), axis=0), np.arange(len(names))]
    assert estimate.low is not None and estimate.high is not None
    figures = [
        FigureFit(o, float(estimate.value[i]), float(estimate.low[i]), float(estimate.high[i]),
                  float(nearest[i]))
        for i, o in enumerate(observed)
    ]  # fmt: skip
    parameters = []
    for i, name in enumerate(names):
        s = None if sd is None or not np.isfinite(sd[i]) else float(sd[i])
        width = 0.0 if s is None else Z95 * s
        parameters.append(
            ParameterFit(
                figure=name, key=DRIVERS[name].key, start=float(start[i]), value=float(theta[i]),
                sd=s, low=float(max(lo[i], theta[i] - width)), high=float(min(hi[i], theta[i] + width)),
                bound_low=float(lo[i]), bound_high=float(hi[i]),
                at_bound=bool(min(theta[i] - lo[i], hi[i] - theta[i]) <= NEAR_BOUND * (hi[i] - lo[i])),
            )
        )  # fmt: skip
    return Calibration(
        figures=figures,
        parameters=parameters,
        overrides=figure_overrides(scenario, dict(zip(names, map(float, theta), strict=True))),
        replications=len(evaluator.seeds),
        evaluations=len(evaluator.cache),
        seconds=time.perf_counter() - started,
    )


def _uncertainty(
    evaluator: _Evaluator,
    theta: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    se: np.ndarray,
    samples: np.ndarray,
) -> np.ndarray | None:
    """Each parameter's standard error: cov = (J' W J)^-1, J the figures' slopes in the
    parameters (forward differences of STEP), W the inverse variances of observed minus
    simulated (binomial, and the replications' spread over their number)."""
    base = np.nanmean(samples, axis=0)
    slopes = []
    for j in range(len(theta)):
        h = STEP * max(theta[j], 1e-3)
        step = theta.copy()
        step[j] = theta[j] + h if theta[j] + h <= hi[j] else theta[j] - h
        step[j] = _round(step[j], lo[j], hi[j])
        if step[j] == theta[j]:
            return None
        slopes.append((evaluator.means(step) - base) / (step[j] - theta[j]))
    jac = np.column_stack(slopes)
    sim_var = np.nanvar(samples, axis=0, ddof=1) / samples.shape[0]
    weight = np.diag(1.0 / (se**2 + sim_var))
    info = jac.T @ weight @ jac
    if not np.all(np.isfinite(info)) or np.linalg.cond(info) > 1e12:
        return None
    return np.sqrt(np.clip(np.diag(np.linalg.inv(info)), 0, None))
