"""Ward map: places, commitments, actions and figures ward by ward."""
from pages import leave_legacy_run

leave_legacy_run(__file__)
from harrow_kpi.ui.wards import wards_page  # noqa: E402

wards_page()
