"""Shared helpers of the HJ 212 library tests: the samples file and whole-stream parsing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lanqing.hj212 import Frame, Framer, Packet, Rejection, parse_frame

SAMPLES_FILE = Path(__file__).resolve().parents[1] / "data" / "hj212_samples.txt"


@dataclass(frozen=True)
class Sample:
    line: int
    packet: bytes
    crc_ok: bool
    note: str

    @property
    def id(self) -> str:
        return f"line{self.line}-{self.packet[2:6].decode()}"


def load_samples() -> list[Sample]:
    samples: list[Sample] = []
    current: dict | None = None
    for number, line in enumerate(SAMPLES_FILE.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("##"):
            current = {"line": number, "packet": line.encode("utf-8"), "note": ""}
        elif current is not None and line.startswith("# crc:"):
            current["crc_ok"] = line.split(":", 1)[1].strip() == "ok"
        elif current is not None and line.startswith("# note:"):
            current["note"] = line.split(":", 1)[1].strip()
        elif current is not None and not line.strip():
            samples.append(Sample(**current))
            current = None
    if current is not None:
        samples.append(Sample(**current))
    return samples


SAMPLES = load_samples()


def parse_stream(data: bytes, **options) -> list[Packet | Rejection]:
    """Frame a whole byte stream in one feed, close it, parse every frame."""
    framer = Framer()
    items = framer.feed(data) + framer.close()
    return [parse_frame(item, **options) if isinstance(item, Frame) else item for item in items]


def parse_one(data: bytes, **options) -> Packet | Rejection:
    results = parse_stream(data, **options)
    assert len(results) == 1, results
    return results[0]
