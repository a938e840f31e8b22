"""Officers' upload: a new quarter's figures, checked, previewed, audited and reversible."""

from harrow_kpi.ui.upload import upload_page

upload_page()
