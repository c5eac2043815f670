from tests.cases.conftest import supervision  # noqa: F401 - the supervision set-up
