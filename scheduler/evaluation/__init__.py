"""The statistical evaluation of a pooled contract: pure computation, no database, no web.

Does a pooled contract move its member doctors' figures (PMT, file active) beyond what the
reference doctors of the same area did over the same quarters? One module per seam:

- `panel`: the doctor x quarter observations (`Panel`) and their checks;
- `regression`: two-way fixed effects (doctor, quarter) by the within transformation and the CR2
  (Bell-McCaffrey) cluster-robust covariance, clustered by doctor, with the small-sample degrees
  of freedom (Bell-McCaffrey's for one coefficient, Pustejovsky-Tipton's HTZ for several);
- `contract`: the difference in differences (`difference_in_differences`), the event-study
  pre-trend check (`pretrend_check`) and the gain per 100 assistant hours (`gain_per_100_hours`).

A contract has few member doctors (10, say) against a département's hundreds of reference
doctors: the variance of its effect rests on the members' clusters, so t(G-1) and F(k, G-1) read
the CR2 covariance as far surer than it is. Both are kept by name (`small_sample="clusters"`);
the default reads the interval and the pre-trend test on the Bell-McCaffrey and HTZ degrees of
freedom. Each result names its method.

statsmodels is the reference the tests check the estimates, the CR1 sandwich and the Wald
statistic against; scipy (which statsmodels builds on) gives the t and F distributions.
"""

from __future__ import annotations

from scheduler.evaluation.contract import (
    DidEstimate,
    EventEstimate,
    GainPer100Hours,
    LeadEstimate,
    PretrendCheck,
    difference_in_differences,
    event_study,
    gain_per_100_hours,
    pretrend_check,
)
from scheduler.evaluation.panel import EvaluationInputError, Panel

__all__ = [
    "DidEstimate",
    "EventEstimate",
    "EvaluationInputError",
    "GainPer100Hours",
    "LeadEstimate",
    "Panel",
    "PretrendCheck",
    "difference_in_differences",
    "event_study",
    "gain_per_100_hours",
    "pretrend_check",
]
