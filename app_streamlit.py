"""The page for cooperative and township staff: ``streamlit run app_streamlit.py -- --db PATH``
(or ``orderfarm app``). Pages live in ``src/orderfarm/web/pages/``."""

from orderfarm.web.app import main

main()
