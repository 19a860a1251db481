"""The page for cooperative and township staff, from a source checkout:
``streamlit run app_streamlit.py -- --db PATH`` (with the settings of ``.streamlit/``).
``orderfarm app`` serves the package's own copy, ``orderfarm/app_streamlit.py``."""

from orderfarm.web.app import main

main()
