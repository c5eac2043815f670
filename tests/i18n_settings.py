"""Settings for the catalogue check: the real settings, with catalogues written to a scratch folder."""

import os

from lanqing.settings import *  # noqa: F403 - the real settings, one value changed

LOCALE_PATHS = [os.environ["LANQING_I18N_CHECK_DIR"]]
