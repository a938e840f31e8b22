"""Priority page: one of the five drawn by harrow_kpi.ui.priority.priority_page."""
from pages import leave_legacy_run

leave_legacy_run(__file__)
from harrow_kpi.ui.priority import priority_page  # noqa: E402

priority_page("scorecard-2019/build-a-better-harrow")
