"""The trajectory model, vectorised over Monte Carlo draws (trajectory.md §8.1).

State, per draw, in log space relative to the start (so every effect multiplies):

* ``log_mc``  the counterfactual path: ageing and chronic disease, no disuse;
* ``x_body``, ``x_limb``  the disuse deficit of mass (whole body, or one immobilised limb);
* ``n_body``, ``n_limb``  the strength deficit beyond atrophy left by ended episodes;
* ``ep``  the log mass lost in the current episode; ``log_a`` muscle quality from ageing;
* ``g``, ``q``  training (and protein) gains in mass and strength, as fractions.

Disuse loses mass at ``k(d) = k_late + (k_initial - k_late) exp(-d / tau)`` per day of the
episode, integrated exactly over each step; strength falls ``R(d)`` times as fast as mass in log
terms (Marusic 2021). After an episode the mass deficit returns to the counterfactual path and
the extra strength deficit fades, each with its own time constant. Training gains approach their
plateau with a time constant and fade after training stops. Strength uses mass without the
training gain because the meta-analytic strength gain already includes hypertrophy.

Every number comes from ``ParamTable`` (drawn from trajectory.yaml); none is written here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from .parameters import Band
from .plan import DAYS_PER_MONTH, DAYS_PER_YEAR, Step

Array = np.ndarray

#: disuse state -> (initial rate, late rate, decay time) parameter ids
DISUSE_PARAMETERS = {
    "bed_rest": ("bed_rest_initial_rate", "bed_rest_late_rate", "disuse_decay_time"),
    "immobilisation": ("immobilisation_initial_rate", "immobilisation_late_rate", "disuse_decay_time"),
    "icu": ("icu_initial_rate", "icu_late_rate", "icu_decay_time"),
}


@dataclass
class ParamTable:
    """Parameter values per draw. ``values[p]`` has one row per age band and one column per draw,
    plus a last column for the central run; ``applies[p]`` says when a conditional multiplier holds."""

    bands: dict[str, list[Band]]
    values: dict[str, Array]
    sex: str
    applies_when: dict[str, tuple[str | None, float | None]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return int(next(iter(self.values.values())).shape[1])

    def band(self, parameter: str, age: float) -> int:
        for i, b in enumerate(self.bands[parameter]):
            if b.contains(age):
                return i
        raise KeyError(f"{parameter}: no value for age {age:g}")

    def value(self, parameter: str, age: float) -> Array:
        row: Array = self.values[parameter][self.band(parameter, age)]
        return row

    def applies(self, parameter: str, age: float) -> bool:
        sex, age_ge = self.applies_when.get(parameter, (None, None))
        return (sex is None or sex == self.sex) and (age_ge is None or age >= age_ge)


def strength_ratio(table: ParamTable, age: float, day: float) -> Array:
    """R(d) = late + (early - late) exp(-max(d - plateau, 0) / decay)."""
    early = table.value("strength_ratio_early", age)
    late = table.value("strength_ratio_late", age)
    plateau = table.value("strength_ratio_plateau", age)
    decay = table.value("strength_ratio_decay", age)
    ratio: Array = late + (early - late) * np.exp(-np.maximum(day - plateau, 0.0) / decay)
    return ratio


@dataclass
class Outputs:
    """Per-draw values at the end of a step, relative to the start (1.0 = unchanged)."""

    muscle_mass: Array
    strength: Array
    mass_body: Array  # whole-body quantities (ASM, grip) ignore a one-limb immobilisation
    strength_body: Array


class Engine:
    """Runs the model over all draws at once; yields ``(step index, t1, Outputs)``."""

    def __init__(self, steps: list[Step], table: ParamTable) -> None:
        self.steps = steps
        self.t = table
        self._cache: dict[tuple[object, ...], Array] = {}

    def _ageing(self, s: Step) -> tuple[Array, Array]:
        """Per-step decrements of log counterfactual mass and log quality (cached: daily steps
        in the same age band reuse them, which is most steps)."""
        t, age = self.t, s.age
        key = (
            "ageing",
            t.band("ageing_mass_rate", age),
            t.band("ageing_strength_rate", age),
            t.applies("women_mass_multiplier", age),
            t.applies("women_strength_multiplier", age),
            tuple(sorted(s.diseases)),
            s.dt,
        )
        if key not in self._cache:
            r_m = t.value("ageing_mass_rate", age)
            r_s = t.value("ageing_strength_rate", age)
            if t.applies("women_mass_multiplier", age):
                r_m = r_m * t.value("women_mass_multiplier", age)
            if t.applies("women_strength_multiplier", age):
                r_s = r_s * t.value("women_strength_multiplier", age)
            d_quality = r_s - r_m
            if "copd" in s.diseases:  # the observed COPD rate replaces a slower ageing rate
                d_quality = d_quality + np.maximum(t.value("copd_strength_rate", age) - r_s, 0.0)
            d_mass = r_m * (s.dt / DAYS_PER_YEAR / 100)
            if "cancer_cachexia" in s.diseases:
                d_mass = d_mass + t.value("cachexia_mass_rate", age) * (s.dt / DAYS_PER_MONTH / 100)
            self._cache[key] = np.stack([d_mass, d_quality * (s.dt / DAYS_PER_YEAR / 100)])
        pair = self._cache[key]
        return pair[0], pair[1]

    def _decay(self, name: str, tau: Array, dt: float, key: object) -> Array:
        k = ("decay", name, key, dt)
        if k not in self._cache:
            self._cache[k] = np.exp(-dt / tau)
        return self._cache[k]

    def run(self) -> Iterator[tuple[int, float, Outputs]]:
        t = self.t
        n = t.size
        log_mc = np.zeros(n)
        log_a = np.zeros(n)
        x = {False: np.zeros(n), True: np.zeros(n)}  # mass deficit, keyed by "one limb only"
        nd = {False: np.zeros(n), True: np.zeros(n)}  # strength deficit beyond atrophy
        ep = np.zeros(n)
        g: Array | None = None
        q: Array | None = None
        deficit = limb_seen = False
        episode: tuple[str, float, bool] | None = None
        extra: Array | None = None  # the current episode's strength deficit beyond atrophy
        for i, s in enumerate(self.steps):
            d_mass, d_quality = self._ageing(s)
            log_mc -= d_mass
            log_a -= d_quality
            current = (s.disuse, s.episode_start, s.limb) if s.disuse else None
            if episode is not None and current != episode:  # the episode ended: keep its deficit
                assert extra is not None
                nd[episode[2]] += extra
                ep, episode, extra = np.zeros(n), None, None
            if current is not None:
                episode, deficit = current, True
                limb_seen = limb_seen or s.limb
                lost = self._episode_loss(s)
                ep += lost
                x[s.limb] -= lost
                extra = -(strength_ratio(t, s.age, s.t1 - s.episode_start) - 1) * ep
            elif deficit:
                self._recover(s, x, nd, limb_seen)
            target_g, target_q = self._targets(s)
            if target_g is not None or g is not None:
                g, q = self._train(s, g, q, target_g, target_q)
            yield i, s.t1, self._outputs(log_mc, log_a, x, nd, extra, s.limb, g, q, limb_seen)

    def _episode_loss(self, s: Step) -> Array:
        """Log mass lost during this step of a disuse episode: the exact integral of k(d)."""
        assert s.disuse is not None
        p_initial, p_late, p_tau = DISUSE_PARAMETERS[s.disuse]
        k0, k_late, tau = (self.t.value(p, s.age) for p in (p_initial, p_late, p_tau))
        d0, d1 = s.t0 - s.episode_start, s.t1 - s.episode_start
        integral = k_late * s.dt + (k0 - k_late) * tau * (np.exp(-d0 / tau) - np.exp(-d1 / tau))
        if s.nmes:
            integral = integral * (1 - self.t.value("nmes_icu_rate_reduction", s.age) / 100)
        result: Array = integral / 100
        return result

    def _recover(self, s: Step, x: dict[bool, Array], nd: dict[bool, Array], limb_seen: bool) -> None:
        t, age = self.t, s.age
        if s.recovery == "post_icu":
            tau_m = t.value("post_icu_mass_recovery_time", age)
            tau_n = t.value("post_icu_neural_recovery_time", age)
            key: object = ("post_icu",)
        else:
            tau_m = t.value("mass_recovery_time", age)
            if not s.training:
                tau_m = tau_m * t.value("mass_recovery_slowdown_without_training", age)
            tau_n = t.value("neural_recovery_time", age)
            key = (t.band("mass_recovery_time", age), t.band("neural_recovery_time", age), s.training)
        f_m = self._decay("mass", tau_m, s.dt, key)
        f_n = self._decay("neural", tau_n, s.dt, key)
        for limb in (False, True) if limb_seen else (False,):
            x[limb] *= f_m
            nd[limb] *= f_n

    def _targets(self, s: Step) -> tuple[Array | None, Array | None]:
        t, age = self.t, s.age
        if not (s.training or s.protein):
            return None, None
        if s.training:
            g = t.value("rt_mass_gain", age) + (
                t.value("protein_with_rt_mass_gain", age) if s.protein else 0.0
            )
            return g / 100, t.value("rt_strength_gain", age) / 100
        return t.value("protein_alone_mass_gain", age) / 100, np.zeros(t.size)

    def _train(
        self, s: Step, g: Array | None, q: Array | None, target_g: Array | None, target_q: Array | None
    ) -> tuple[Array, Array]:
        t, age = self.t, s.age
        down = self._decay("detrain", t.value("detraining_time_constant", age), s.dt, "detrain")
        if target_g is None and g is not None and q is not None:  # training over: gains fade
            return g * down, q * down
        g = np.zeros(t.size) if g is None else g
        q = np.zeros(t.size) if q is None else q
        up = self._decay("train", t.value("rt_time_constant", age), s.dt, "rt")
        tg = np.zeros(t.size) if target_g is None else target_g
        tq = np.zeros(t.size) if target_q is None else target_q
        g = tg + (g - tg) * np.where(tg >= g, up, down)
        q = tq + (q - tq) * np.where(tq >= q, up, down)
        return g, q

    @staticmethod
    def _outputs(
        log_mc: Array,
        log_a: Array,
        x: dict[bool, Array],
        nd: dict[bool, Array],
        n_extra: Array | None,
        limb_now: bool,
        g: Array | None,
        q: Array | None,
        limb_seen: bool,
    ) -> Outputs:
        n_body = nd[False] if n_extra is None or limb_now else nd[False] + n_extra
        body = log_mc + x[False]
        mass_body = np.exp(body)
        strength_body = np.exp(body + log_a + n_body)
        if g is not None and q is not None:
            mass_body = mass_body * (1 + g)
            strength_body = strength_body * (1 + q)
        if not limb_seen:
            return Outputs(mass_body, strength_body, mass_body, strength_body)
        n_limb = nd[True] if n_extra is None or not limb_now else nd[True] + n_extra
        factor = np.exp(x[True])
        muscle = mass_body * factor
        strength = strength_body * factor * np.exp(n_limb)
        return Outputs(muscle, strength, mass_body, strength_body)


__all__ = ["DISUSE_PARAMETERS", "Engine", "Outputs", "ParamTable", "strength_ratio"]
