"""`dentsim calibrate`: fit a scenario's behaviour parameters to a practice's observed figures.

| module | what |
|---|---|
| observed | OBSERVED.yaml: the figures, their counts and binomial intervals |
| figures | how a run measures each figure, and the parameter that drives it |
| fit | the fit: least squares over replications on common random numbers |
| writing | the calibrated scenario, written as YAML with comments |
"""
