"""Cabinet slides: the quarter, one slide per priority, and what needs attention."""

from harrow_kpi.ui.cabinet import cabinet_page

cabinet_page()
