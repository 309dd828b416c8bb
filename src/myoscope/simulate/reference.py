"""The same model as ``model.Engine``, one draw at a time in plain Python.

Two uses: the baseline that ``benchmarks/simulate.py`` measures the vectorised engine against,
and an independent oracle in the tests (the vectorised engine must give the same numbers for
every draw). It reads the same ``ParamTable`` and ``Step`` list; it shares no arithmetic.
"""

from __future__ import annotations

import math

from .model import DISUSE_PARAMETERS, ParamTable
from .plan import DAYS_PER_MONTH, DAYS_PER_YEAR, Step


def run_draw(steps: list[Step], table: ParamTable, j: int) -> tuple[list[float], list[float]]:
    """Mass and strength indices (1.0 = start) at the end of every step, for draw column ``j``."""

    def v(p: str, age: float) -> float:
        return float(table.values[p][table.band(p, age), j])

    log_mc = log_a = 0.0
    x = {False: 0.0, True: 0.0}
    nd = {False: 0.0, True: 0.0}
    ep = extra = 0.0
    g = q = 0.0
    episode: tuple[str, float, bool] | None = None
    mass: list[float] = []
    strength: list[float] = []
    for s in steps:
        age, dt = s.age, s.t1 - s.t0
        r_m, r_s = v("ageing_mass_rate", age), v("ageing_strength_rate", age)
        if table.applies("women_mass_multiplier", age):
            r_m *= v("women_mass_multiplier", age)
        if table.applies("women_strength_multiplier", age):
            r_s *= v("women_strength_multiplier", age)
        d_quality = r_s - r_m
        if "copd" in s.diseases:
            d_quality += max(v("copd_strength_rate", age) - r_s, 0.0)
        log_mc -= r_m * dt / DAYS_PER_YEAR / 100
        if "cancer_cachexia" in s.diseases:
            log_mc -= v("cachexia_mass_rate", age) * dt / DAYS_PER_MONTH / 100
        log_a -= d_quality * dt / DAYS_PER_YEAR / 100

        current = (s.disuse, s.episode_start, s.limb) if s.disuse else None
        if episode is not None and current != episode:
            nd[episode[2]] += extra
            ep, extra, episode = 0.0, 0.0, None
        if current is not None and s.disuse is not None:
            episode = current
            k0, k_late, tau = (v(p, age) for p in DISUSE_PARAMETERS[s.disuse])
            d0, d1 = s.t0 - s.episode_start, s.t1 - s.episode_start
            lost = (k_late * dt + (k0 - k_late) * tau * (math.exp(-d0 / tau) - math.exp(-d1 / tau))) / 100
            if s.nmes:
                lost *= 1 - v("nmes_icu_rate_reduction", age) / 100
            ep += lost
            x[s.limb] -= lost
            early, late = v("strength_ratio_early", age), v("strength_ratio_late", age)
            ratio = late + (early - late) * math.exp(
                -max(d1 - v("strength_ratio_plateau", age), 0.0) / v("strength_ratio_decay", age)
            )
            extra = -(ratio - 1) * ep
        elif any(x.values()) or any(nd.values()):
            if s.recovery == "post_icu":
                tau_m, tau_n = v("post_icu_mass_recovery_time", age), v("post_icu_neural_recovery_time", age)
            else:
                tau_m = v("mass_recovery_time", age)
                if not s.training:
                    tau_m *= v("mass_recovery_slowdown_without_training", age)
                tau_n = v("neural_recovery_time", age)
            for limb in (False, True):
                x[limb] *= math.exp(-dt / tau_m)
                nd[limb] *= math.exp(-dt / tau_n)

        if s.training:
            tg = v("rt_mass_gain", age) + (v("protein_with_rt_mass_gain", age) if s.protein else 0.0)
            tg, tq = tg / 100, v("rt_strength_gain", age) / 100
        elif s.protein:
            tg, tq = v("protein_alone_mass_gain", age) / 100, 0.0
        else:
            tg = tq = 0.0
        up = math.exp(-dt / v("rt_time_constant", age))
        down = math.exp(-dt / v("detraining_time_constant", age))
        g = tg + (g - tg) * (up if tg >= g else down)
        q = tq + (q - tq) * (up if tq >= q else down)

        n_body = nd[False] + (extra if current is not None and not s.limb else 0.0)
        n_limb = nd[True] + (extra if current is not None and s.limb else 0.0)
        body = log_mc + x[False]
        mass.append(math.exp(body + x[True]) * (1 + g))
        strength.append(math.exp(body + x[True] + log_a + n_body + n_limb) * (1 + q))
    return mass, strength


__all__ = ["run_draw"]
