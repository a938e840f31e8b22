"""Priority page: one of the five drawn by harrow_kpi.ui.priority.priority_page."""

from harrow_kpi.ui.priority import priority_page

priority_page("scorecard-2019/modernising-harrow-council")
