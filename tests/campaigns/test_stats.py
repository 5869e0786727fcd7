"""The experiments' statistics against SciPy and statsmodels, and simulated A/A tests read
every day: the planner's sizes, the mSPRT's ratio and confidence sequences, false winners
kept at the stated level, real effects found, and the Thompson budget split."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate
from scipy import stats as sp
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

from orchestre.campaigns import stats as s

ALPHA = 0.05
SIMULATIONS = 1000
DAYS = 30
# Three standard errors of a share estimated from SIMULATIONS runs at ALPHA: a correct test
# stays below ALPHA + this with probability > 99.8 %.
MC_TOLERANCE = 3 * math.sqrt(ALPHA * (1 - ALPHA) / SIMULATIONS)


@pytest.mark.parametrize(
    ("baseline", "mde", "relative", "alpha", "power", "arms"),
    [
        (0.02, 0.10, True, 0.05, 0.8, 2),
        (0.10, 0.20, True, 0.05, 0.9, 3),
        (0.50, 0.01, False, 0.01, 0.8, 2),
        (0.01, 0.50, True, 0.05, 0.8, 4),
        (0.30, 0.05, False, 0.10, 0.95, 2),
    ],
)
def test_plan_matches_statsmodels(
    baseline: float, mde: float, relative: bool, alpha: float, power: float, arms: int
) -> None:
    target = baseline * (1 + mde) if relative else baseline + mde
    h = proportion_effectsize(target, baseline)
    assert s.cohen_h(baseline, target) == pytest.approx(h, rel=1e-12)
    expected = NormalIndPower().solve_power(
        effect_size=h, alpha=alpha / (arms - 1), power=power, ratio=1.0
    )
    result = s.plan(
        baseline, mde, relative=relative, alpha=alpha, power=power, arms=arms, daily_per_arm=750
    )
    assert result.per_arm == math.ceil(expected - 1e-6)
    assert result.total == result.per_arm * arms
    assert result.days == math.ceil(result.per_arm / 750)
    assert result.alpha_per_comparison == pytest.approx(alpha / (arms - 1))


def test_plan_refuses_impossible_rates() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        s.plan(0.9, 0.2)
    with pytest.raises(ValueError, match="arms"):
        s.plan(0.1, 0.1, arms=9)
    assert s.plan(0.1, 0.1).days is None


@pytest.mark.parametrize(
    ("estimate", "variance", "tau2"), [(0.004, 1e-6, 4e-6), (-0.02, 5e-5, 1e-4), (0.0, 1e-4, 1e-6)]
)
def test_mixture_ratio_is_the_integral_of_the_likelihood_ratio(
    estimate: float, variance: float, tau2: float
) -> None:
    sd = math.sqrt(variance)

    def integrand(theta: float) -> float:
        ratio = sp.norm.pdf(estimate, theta, sd) / sp.norm.pdf(estimate, 0, sd)
        return float(ratio * sp.norm.pdf(theta, 0, math.sqrt(tau2)))

    width = 12 * math.sqrt(tau2)
    expected, _err = integrate.quad(integrand, -width, width, points=[estimate], limit=200)
    assert s.mixture_ratio(estimate, variance, tau2) == pytest.approx(expected, rel=1e-6)


def test_confidence_radius_is_where_the_ratio_reaches_one_over_alpha() -> None:
    variance, tau2 = 2e-5, 1e-4
    radius = s.confidence_radius(variance, tau2, ALPHA)
    assert s.mixture_ratio(radius, variance, tau2) == pytest.approx(1 / ALPHA, rel=1e-9)
    # wider than the fixed-horizon interval, the price of looking every day
    assert radius > sp.norm.ppf(1 - ALPHA / 2) * math.sqrt(variance)


def test_a_clear_winner_is_called_with_intervals_around_the_truth() -> None:
    tau_abs, tau_rel = s.taus(0.02, 0.2)
    result = s.compare(
        s.Arm(100_000, 2_000), s.Arm(100_000, 2_400), alpha=ALPHA, tau_abs=tau_abs, tau_rel=tau_rel
    )
    assert result.significant
    assert result.p_value < 1e-4
    assert result.lift == pytest.approx(0.004)
    assert result.lift_low < 0.004 < result.lift_high
    assert result.lift_low > 0
    assert result.relative == pytest.approx(0.2)
    assert result.relative_low is not None
    assert result.relative_high is not None
    assert 0 < result.relative_low < 0.2 < result.relative_high


def test_too_few_events_decide_nothing() -> None:
    result = s.compare(s.Arm(50, 0), s.Arm(50, 9), alpha=ALPHA, tau_abs=0.01, tau_rel=0.1)
    assert not result.enough_data
    assert not result.significant
    assert result.p_value == 1


def _first_win(control: np.ndarray, variants: list[np.ndarray], daily: int, alpha: float) -> bool:
    tau_abs, tau_rel = s.taus(0.03, 0.1)
    level = s.correct_alpha(alpha, len(variants) + 1)
    for day in range(DAYS):
        trials = daily * (day + 1)
        base = s.Arm(trials, int(control[day]))
        for variant in variants:
            arm = s.Arm(trials, int(variant[day]))
            if s.compare(base, arm, alpha=level, tau_abs=tau_abs, tau_rel=tau_rel).significant:
                return True
    return False


def _daily_totals(rng: np.random.Generator, rate: float, daily: int) -> np.ndarray:
    return rng.binomial(daily, rate, (SIMULATIONS, DAYS)).cumsum(axis=1)


@pytest.mark.parametrize(("arms", "daily"), [(2, 500), (2, 60), (3, 400)])
def test_aa_tests_read_every_day_keep_false_winners_at_alpha(arms: int, daily: int) -> None:
    rng = np.random.default_rng(20_260_801 + arms + daily)
    totals = [_daily_totals(rng, 0.03, daily) for _arm in range(arms)]
    wins = sum(
        _first_win(totals[0][i], [t[i] for t in totals[1:]], daily, ALPHA)
        for i in range(SIMULATIONS)
    )
    assert wins / SIMULATIONS <= ALPHA + MC_TOLERANCE


def test_the_same_simulation_shows_a_daily_fixed_test_would_cheat() -> None:
    """The simulation can fail: a z-test read every day finds far more false winners."""
    rng = np.random.default_rng(7)
    a, b = _daily_totals(rng, 0.03, 500), _daily_totals(rng, 0.03, 500)
    trials = 500 * np.arange(1, DAYS + 1)
    pa, pb = a / trials, b / trials
    pooled = (a + b) / (2 * trials)
    z = (pb - pa) / np.sqrt(pooled * (1 - pooled) * 2 / trials)
    peeking = float(np.mean(np.any(np.abs(z) > sp.norm.ppf(1 - ALPHA / 2), axis=1)))
    assert peeking > 2 * ALPHA


def test_confidence_sequences_cover_the_truth_every_day() -> None:
    rng = np.random.default_rng(11)
    a, b = _daily_totals(rng, 0.03, 500), _daily_totals(rng, 0.03, 500)
    tau_abs, tau_rel = s.taus(0.03, 0.1)
    missed = 0
    for i in range(SIMULATIONS):
        for day in range(DAYS):
            n = 500 * (day + 1)
            c = s.compare(
                s.Arm(n, int(a[i, day])),
                s.Arm(n, int(b[i, day])),
                alpha=ALPHA,
                tau_abs=tau_abs,
                tau_rel=tau_rel,
            )
            low, high = c.relative_low, c.relative_high
            if not c.lift_low <= 0 <= c.lift_high or (
                low is not None and high is not None and not low <= 0 <= high
            ):
                missed += 1
                break
    assert missed / SIMULATIONS <= ALPHA + MC_TOLERANCE


def test_a_real_effect_is_found() -> None:
    rng = np.random.default_rng(3)
    a, b = _daily_totals(rng, 0.03, 500), _daily_totals(rng, 0.039, 500)
    found = sum(_first_win(a[i], [b[i]], 500, ALPHA) for i in range(200))
    assert found / 200 >= 0.8


def test_sequential_trials_is_where_the_ratio_crosses() -> None:
    tau_abs, _rel = s.taus(0.03, 0.1)
    n = s.sequential_trials(0.03, 0.033, ALPHA, tau_abs)
    unit = 0.03 * 0.97 + 0.033 * 0.967
    assert s.mixture_ratio(0.003, unit / n, tau_abs**2) >= 1 / ALPHA
    assert s.mixture_ratio(0.003, unit / (n - 1), tau_abs**2) < 1 / ALPHA
    # more than the fixed-horizon test needs: always-valid answers cost samples
    assert n > s.plan(0.03, 0.1, power=0.5).per_arm
    assert s.sequential_trials(0.03, 0.03, ALPHA, tau_abs) == 0


def test_probability_best_matches_the_exact_integral() -> None:
    a, b = s.Arm(1000, 30), s.Arm(1000, 40)
    beta_a, beta_b = sp.beta(31, 971), sp.beta(41, 961)
    exact, _err = integrate.quad(lambda x: beta_b.pdf(x) * beta_a.cdf(x), 0, 1, limit=200)
    best = s.probability_best([a, b], draws=50_000, seed=5)
    assert best[1] == pytest.approx(exact, abs=4 * math.sqrt(exact * (1 - exact) / 50_000))
    assert sum(best) == pytest.approx(1)


def test_budget_shares_favour_the_best_arm_keep_a_floor_and_repeat_for_a_seed() -> None:
    arms = [s.Arm(5000, 100), s.Arm(5000, 150), s.Arm(5000, 95)]
    shares = s.budget_shares(arms, floor=0.1, seed=42)
    assert shares == s.budget_shares(arms, floor=0.1, seed=42)
    assert sum(shares) == pytest.approx(1)
    assert min(shares) >= 0.1
    assert shares[1] > 0.75
    even = s.budget_shares([s.Arm(10, 1), s.Arm(10, 1)], floor=0.0, seed=1)
    assert even[0] == pytest.approx(0.5, abs=0.02)
    with pytest.raises(ValueError, match="floor"):
        s.budget_shares(arms, floor=0.4)
