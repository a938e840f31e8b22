"""Plans 2004 to 2020: theme lineage, plans side by side, recurring measures, promises."""
from pages import leave_legacy_run

leave_legacy_run(__file__)
from harrow_kpi.ui.plans import plans_page  # noqa: E402

plans_page()
