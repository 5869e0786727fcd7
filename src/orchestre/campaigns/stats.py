"""The statistics of A/B and A/B/n tests on rates: planner, sequential analysis, budget split.

Pure functions, no database. Formulas and references in docs/experiments.md:

* planner: the two-proportion sample size on Cohen's h (the arcsine effect size), solved on
  the exact two-sided normal power, as statsmodels' ``NormalIndPower`` does; with more than
  two arms each variant is compared with the control at alpha / (arms - 1) (Bonferroni);
* sequential analysis: the mixture sequential probability ratio test (mSPRT, Johari,
  Pekelis, Walsh) with a normal mixing distribution on the normal approximation of the
  difference (absolute lift) and of the log ratio (relative lift): always-valid p-values
  and confidence sequences, so the analysis may be read every day;
* budget split: Thompson sampling on Beta posteriors, seeded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

_N = NormalDist()
MAX_ARMS = 8
# Before each arm has this many successes and this many failures, the normal approximation
# the mSPRT leans on is too rough (the A/A simulation shows false winners otherwise).
MIN_EVENTS = 10


def correct_alpha(alpha: float, arms: int) -> float:
    """The level of each comparison with the control: Bonferroni over arms - 1 comparisons."""
    if arms < 2:
        raise ValueError("An experiment has at least two arms.")
    return alpha / (arms - 1)


def cohen_h(p1: float, p2: float) -> float:
    """Cohen's effect size for two proportions (statsmodels' ``proportion_effectsize``)."""
    return 2 * math.asin(math.sqrt(p2)) - 2 * math.asin(math.sqrt(p1))


def target_rate(baseline: float, mde: float, *, relative: bool = True) -> float:
    """The rate of a variant that beats the baseline by exactly the minimum detectable effect."""
    rate = baseline * (1 + mde) if relative else baseline + mde
    if not 0 < baseline < 1 or not 0 < rate < 1 or mde <= 0:
        raise ValueError("The baseline and the improved rate must both lie between 0 and 1.")
    return rate


def _power(h: float, n: float, alpha: float) -> float:
    """Two-sided power of the normal test of equal arms of n each (both rejection tails)."""
    crit = _N.inv_cdf(1 - alpha / 2)
    shift = abs(h) * math.sqrt(n / 2)
    return _N.cdf(shift - crit) + _N.cdf(-shift - crit)


@dataclass(frozen=True)
class Plan:
    per_arm: int  # people (impressions, reach...) needed in each arm
    total: int
    days: int | None  # None when the daily sample is not given
    alpha_per_comparison: float
    target_rate: float


def plan(
    baseline: float,
    mde: float,
    *,
    relative: bool = True,
    alpha: float = 0.05,
    power: float = 0.8,
    arms: int = 2,
    daily_per_arm: float | None = None,
) -> Plan:
    """Sample size per arm and duration of a fixed-horizon test detecting ``mde``."""
    if not 0 < alpha < 1 or not 0 < power < 1 or not 2 <= arms <= MAX_ARMS:
        raise ValueError("alpha and power lie between 0 and 1, and arms between 2 and 8.")
    rate = target_rate(baseline, mde, relative=relative)
    level = correct_alpha(alpha, arms)
    h = cohen_h(baseline, rate)
    crit = _N.inv_cdf(1 - level / 2) + _N.inv_cdf(power)
    high = 2 * (crit / h) ** 2  # one tail alone reaches the power here
    low = high / 2
    while _power(h, low, level) > power:
        low /= 2
    for _i in range(200):  # bisection on the exact two-tailed power
        mid = (low + high) / 2
        low, high = (low, mid) if _power(h, mid, level) >= power else (mid, high)
    if not math.isfinite(high) or high > 1e13:
        raise ValueError("The effect is too small to be detected with any real audience.")
    per_arm = math.ceil(high)
    days = None
    if daily_per_arm is not None and daily_per_arm > 0:
        days = math.ceil(per_arm / daily_per_arm)
    return Plan(per_arm, per_arm * arms, days, level, rate)


# --- sequential analysis (mSPRT) --------------------------------------------------------------


def mixture_ratio(estimate: float, variance: float, tau2: float) -> float:
    """The mSPRT's likelihood ratio for H0: theta = 0, mixing theta over N(0, tau2)."""
    if variance <= 0:
        return 1.0
    log_ratio = 0.5 * math.log(variance / (variance + tau2)) + (
        estimate**2 * tau2 / (2 * variance * (variance + tau2))
    )
    return math.exp(min(log_ratio, 700.0))


def confidence_radius(variance: float, tau2: float, alpha: float) -> float:
    """Half-width of the confidence sequence: the thetas whose ratio stays under 1 / alpha."""
    if variance <= 0:
        return math.inf
    inner = math.log((variance + tau2) / variance) - 2 * math.log(alpha)
    return math.sqrt(variance * (variance + tau2) / tau2 * inner)


@dataclass(frozen=True)
class Arm:
    """An arm's totals since the start: trials (impressions, reach) and successes (clicks...)."""

    trials: int
    successes: int

    @property
    def rate(self) -> float:
        return self.successes / self.trials if self.trials else 0.0

    @property
    def enough(self) -> bool:
        return self.successes >= MIN_EVENTS and self.trials - self.successes >= MIN_EVENTS


@dataclass(frozen=True)
class Comparison:
    """One variant against the control at one look."""

    lift: float  # absolute: rate of the variant - rate of the control
    lift_low: float
    lift_high: float
    relative: float | None  # (variant / control) - 1
    relative_low: float | None
    relative_high: float | None
    p_value: float  # always valid
    significant: bool
    enough_data: bool


def compare(
    control: Arm, variant: Arm, *, alpha: float, tau_abs: float, tau_rel: float
) -> Comparison:
    """mSPRT of a variant against the control from their totals at one look.

    ``alpha`` is the level of this comparison (already corrected for A/B/n); ``tau_abs`` and
    ``tau_rel`` are the standard deviations of the mixing distributions of the absolute lift
    and of the log of the rate ratio (the planner's minimum detectable effect).
    """
    pa, pb = control.rate, variant.rate
    lift = pb - pa
    enough = control.enough and variant.enough
    if not enough:
        return Comparison(lift, -1.0, 1.0, None, None, None, 1.0, False, False)
    var_abs = pa * (1 - pa) / control.trials + pb * (1 - pb) / variant.trials
    tau2 = tau_abs**2
    p_value = min(1.0, 1 / mixture_ratio(lift, var_abs, tau2))
    radius = confidence_radius(var_abs, tau2, alpha)
    log_ratio = math.log(pb / pa)
    var_rel = (1 - pa) / control.successes + (1 - pb) / variant.successes
    radius_rel = confidence_radius(var_rel, tau_rel**2, alpha)
    return Comparison(
        lift=lift,
        lift_low=max(-1.0, lift - radius),
        lift_high=min(1.0, lift + radius),
        relative=pb / pa - 1,
        relative_low=math.exp(log_ratio - radius_rel) - 1,
        relative_high=math.exp(log_ratio + radius_rel) - 1,
        p_value=p_value,
        significant=p_value < alpha,
        enough_data=True,
    )


def taus(baseline: float, mde: float, *, relative: bool = True) -> tuple[float, float]:
    """Mixing standard deviations from the minimum detectable effect (absolute, log ratio)."""
    rate = target_rate(baseline, mde, relative=relative)
    return rate - baseline, math.log(rate / baseline)


def sequential_trials(rate_a: float, rate_b: float, alpha: float, tau_abs: float) -> int:
    """Trials per arm at which the mSPRT declares a winner if the rates are these exactly.

    The smallest n whose ratio reaches 1 / alpha when the observed lift equals the true one:
    what "about N more days" is computed from.
    """
    lift = rate_b - rate_a
    if lift == 0:
        return 0
    unit = rate_a * (1 - rate_a) + rate_b * (1 - rate_b)  # variance x n
    tau2 = tau_abs**2
    n = 1.0
    while mixture_ratio(lift, unit / n, tau2) < 1 / alpha:
        n *= 2
        if n > 1e13:
            return 0
    low, high = n / 2, n
    for _i in range(80):
        mid = (low + high) / 2
        low, high = (mid, high) if mixture_ratio(lift, unit / mid, tau2) < 1 / alpha else (low, mid)
    return math.ceil(high)


# --- budget split (Thompson sampling) ---------------------------------------------------------


def probability_best(arms: Sequence[Arm], *, draws: int = 20_000, seed: int = 0) -> list[float]:
    """The posterior probability that each arm has the highest rate (Beta(1 + s, 1 + f))."""
    rng = np.random.default_rng(seed)
    samples = np.column_stack(
        [rng.beta(1 + a.successes, 1 + max(a.trials - a.successes, 0), draws) for a in arms]
    )
    wins = np.bincount(np.argmax(samples, axis=1), minlength=len(arms))
    return [float(w) / draws for w in wins]


def budget_shares(
    arms: Sequence[Arm], *, floor: float = 0.05, draws: int = 20_000, seed: int = 0
) -> list[float]:
    """Suggested budget shares: each arm gets ``floor`` to keep exploring, the rest in
    proportion to its probability of being best (Thompson sampling's allocation)."""
    if not 0 <= floor * len(arms) <= 1:
        raise ValueError("The exploration floor times the number of arms is at most 1.")
    best = probability_best(arms, draws=draws, seed=seed)
    free = 1 - floor * len(arms)
    return [floor + free * p for p in best]
