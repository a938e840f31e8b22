import sys

from harrow_kpi.cli import main

sys.exit(main())
