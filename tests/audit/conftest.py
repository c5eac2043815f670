from tests.cases.conftest import _english_messages, inspection_case, supervision  # noqa: F401 - shared fixtures
