from __future__ import annotations

import pytest

from tests.hj212.samples import SAMPLES, Sample


@pytest.fixture
def sample_by_length():
    def find(prefix: str) -> Sample:
        matches = [sample for sample in SAMPLES if sample.packet.startswith(prefix.encode())]
        assert len(matches) == 1, f"{prefix!r} matches {len(matches)} samples"
        return matches[0]

    return find
