"""The page's Streamlit entry point, installed with the package: ``orderfarm app`` serves it
(``streamlit run`` of this file). Pages live in ``orderfarm/web/pages/``."""

from orderfarm.web.app import main

main()
