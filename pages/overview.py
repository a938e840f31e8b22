"""Overview: the chosen quarter at a glance, one tile per corporate priority."""
from pages import leave_legacy_run

leave_legacy_run(__file__)
from harrow_kpi.ui.overview import overview_page  # noqa: E402

overview_page()
