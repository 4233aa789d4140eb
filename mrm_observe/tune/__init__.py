"""`mrm-observe tune`: back-testing alerting rules on the history a Prometheus-compatible server holds, and what
other thresholds, `for`, `keep_firing_for`, burn factors or windows would have done (docs/tune.md).

Pure modules, in the order they are used: `inputs` (rule files, the project's alerts, incident files),
`backtest` (the rule evaluation on fetched series), `numbers` (episode and incident statistics), `advice` (the
recommendation), `document` (one alert's entry and the whole document), `markdown` and `html` (other forms of the
document). The queries are `pipeline_tune`'s business.
"""
