"""Cabinet slides: the quarter, one slide per priority, and what needs attention."""
from pages import leave_legacy_run

leave_legacy_run(__file__)
from harrow_kpi.ui.cabinet import cabinet_page  # noqa: E402

cabinet_page()
