"""Ward map: places, commitments, actions and figures ward by ward."""

from harrow_kpi.ui.wards import wards_page

wards_page()
