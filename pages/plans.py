"""Plans 2004 to 2020: theme lineage, plans side by side, recurring measures, promises."""

from harrow_kpi.ui.plans import plans_page

plans_page()
