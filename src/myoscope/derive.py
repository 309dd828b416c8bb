"""Derived measures: BMI, ASMI, ALM/BMI, grip/BMI, gait speed, weight-loss %, SARC-F total, L3 SMI,
MRC sum, FFMI, and estimates from published equations (flagged as estimates wherever used).

Derived values are computed from unrounded inputs and then rounded to the measure's reporting
precision before any comparison (DESIGN §7): 20.23 / 1.70² is 7.000000000000001 in binary and
must compare as 7.00, and (1 − 76/80) × 100 must be 5.00% and not pass "> 5%".
"""

from __future__ import annotations

from typing import Any

from . import equations
from .measures import Catalog, load_catalog
from .record import Record


def round_to(x: float, decimals: int) -> float:
    """Round half to even on the binary value (Python's ``round``): the one rounding rule used
    everywhere a derived value is compared, so that per-record and cohort paths agree."""
    return float(round(x, decimals))


def derive(record: Record, catalog: Catalog | None = None) -> dict[str, Any]:
    """Return every derived measure; a measure whose inputs are missing is ``None``."""
    cat = catalog or load_catalog()
    v = record.values
    p = {d.id: d.precision for d in cat.derived.values()}
    out: dict[str, Any] = dict.fromkeys(cat.derived)

    h_m = v["height"] / 100 if v.get("height") is not None else None
    w = v.get("weight")
    if w is not None and h_m:
        bmi_raw = w / (h_m * h_m)
        out["bmi"] = round_to(bmi_raw, p["bmi"])
        if v.get("asm") is not None:
            out["alm_bmi"] = round_to(v["asm"] / bmi_raw, p["alm_bmi"])
        if v.get("grip_strength") is not None:
            out["grip_bmi"] = round_to(v["grip_strength"] / bmi_raw, p["grip_bmi"])
    if v.get("asm") is not None and h_m:
        out["asmi"] = round_to(v["asm"] / (h_m * h_m), p["asmi"])
    if v.get("l3_muscle_area") is not None and h_m:
        out["l3_smi"] = round_to(v["l3_muscle_area"] / (h_m * h_m), p["l3_smi"])

    if v.get("gait_speed") is not None:
        out["gait_speed"] = v["gait_speed"]
    elif v.get("gait_distance") is not None and v.get("gait_time"):
        out["gait_speed"] = round_to(v["gait_distance"] / v["gait_time"], p["gait_speed"])

    history = v.get("weight_history") or []
    if w is not None and history:
        out["weight_loss_percent"] = _loss(w, history, None, p["weight_loss_percent"])
        out["weight_loss_percent_6m"] = _loss(w, history, 6.0, p["weight_loss_percent_6m"])
        out["weight_loss_percent_12m"] = _loss(w, history, 12.0, p["weight_loss_percent_12m"])
        out["weight_loss_percent_beyond_6m"] = _loss_beyond(w, history, 6.0,
                                                            p["weight_loss_percent_beyond_6m"])
    if w is not None:
        # Evans 2008 accepts BMI < 20 only "when weight loss cannot be documented"
        out["weight_loss_12m_documented"] = out["weight_loss_percent_12m"] is not None
    if v.get("fat_free_mass") is not None and h_m:
        out["ffmi"] = round_to(v["fat_free_mass"] / (h_m * h_m), p["ffmi"])

    items = v.get("sarc_f") or {}
    if items and all(items.get(i) is not None for i in cat.sarc_f.items):
        out["sarc_f"] = sum(items[i] for i in cat.sarc_f.items)
    grades = cat.derived["mrc_sum_score"].inputs
    if v.get("mrc_sum_score") is not None:
        out["mrc_sum_score"] = v["mrc_sum_score"]
    elif all(v.get(g) is not None for g in grades):
        out["mrc_sum_score"] = sum(v[g] for g in grades)
    _estimates(v, out, p, h_m, w)
    return out


def _estimates(v: dict[str, Any], out: dict[str, Any], p: dict[str, int], h_m: float | None,
               w: float | None) -> None:
    """Published-equation estimates (knowledge/equations.yaml), each only where the equation
    applies: never in place of a measurement of the same quantity, never outside the ages the
    equation was developed in."""
    sex, age, r, h_cm = v.get("sex"), v.get("age"), v.get("bia_resistance"), v.get("height")
    if sex is not None and age is not None and r is not None and h_cm is not None and h_m:
        xc = v.get("bia_reactance")
        if (xc is not None and w is not None and v.get("asm") is None
                and equations.in_validated_age("kyle2003_asm", age)):
            asm = equations.kyle2003_asm(h_cm, r, xc, w, sex, age)
            out["asm_kyle2003"] = round_to(asm, p["asm_kyle2003"])
            out["asmi_kyle2003"] = round_to(asm / (h_m * h_m), p["asmi_kyle2003"])
        smm = equations.janssen2000_smm(h_cm, r, sex, age)
        out["smm_janssen2000"] = round_to(smm, p["smm_janssen2000"])
        if w is not None:
            out["smm_percent_weight_janssen2000"] = round_to(smm / w * 100,
                                                             p["smm_percent_weight_janssen2000"])
    if v.get("l3_muscle_area") is not None:
        out["ffm_mourtzakis2008"] = round_to(equations.mourtzakis2008_ffm(v["l3_muscle_area"]),
                                             p["ffm_mourtzakis2008"])
    if v.get("l3_adipose_area") is not None:
        out["fm_mourtzakis2008"] = round_to(equations.mourtzakis2008_fm(v["l3_adipose_area"]),
                                            p["fm_mourtzakis2008"])


def _loss_beyond(current: float, history: list[dict[str, Any]], months: float, decimals: int) -> float | None:
    """Per cent loss from the highest weight recorded more than ``months`` ago (GLIM's "beyond 6
    months"; GLIM sets no upper limit on the window)."""
    older = [h["weight"] for h in history if h["months_ago"] > months]
    if not older:
        return None
    ref = max(older)
    return round_to((ref - current) / ref * 100, decimals)


def _loss(current: float, history: list[dict[str, Any]], window: float | None, decimals: int) -> float | None:
    """Per cent loss from the reference weight to ``current``; negative means a gain.

    With a window, the reference is the highest weight recorded within it (loss "within 6
    months" counts from the peak in those months); without, it is the earliest weight.
    """
    past = [h for h in history if h["months_ago"] > 0]
    if window is not None:
        inside = [h["weight"] for h in past if h["months_ago"] <= window]
        if not inside:
            return None
        ref = max(inside)
    else:
        if not past:
            return None
        ref = max(past, key=lambda h: h["months_ago"])["weight"]
    return round_to((ref - current) / ref * 100, decimals)
