"""Overview: the chosen quarter at a glance, one tile per corporate priority."""

from harrow_kpi.ui.overview import overview_page

overview_page()
