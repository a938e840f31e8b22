"""Officers' upload: a new quarter's figures, checked, previewed, audited and reversible."""
from pages import leave_legacy_run

leave_legacy_run(__file__)
from harrow_kpi.ui.upload import upload_page  # noqa: E402

upload_page()
