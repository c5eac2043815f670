"""Parse-only throughput of lanqing.hj212 on one core (issue 4, item 9; goal ≥ 50,000 packets/s).

The stream is a realistic mix: the verified real samples of tests/data/hj212_samples.txt plus generated
2011 realtime and 2051 minute uploads of air stations, flue-gas CEMS and wastewater loggers, stuck
together and read in 64 KiB chunks as a socket would deliver them. Each packet goes through framing,
CRC, header and CP parsing into a typed packet. Two extra figures put it in context: decoding every
measurement to floats, and a floor that only splits the same stream on CR LF.

Run: ``python benchmarks/bench_hj212_parse.py`` (``--quick`` for a smoke run). No timed assertions.
"""

from __future__ import annotations

import gc
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from lanqing.hj212 import Frame, Framer, Packet, Peer, Version, build_data, parse_frame

SAMPLES = Path(__file__).resolve().parents[1] / "tests" / "data" / "hj212_samples.txt"
CHUNK = 65536

AIR = (
    "a34004",
    "a34002",
    "a21026",
    "a21004",
    "a21005",
    "a05024",
    "a01001",
    "a01002",
    "a01006",
    "a01007",
    "a01008",
)
FLUE = ("a00000", "a34013", "a21026", "a21002", "a19001", "a01011", "a01012", "a01013", "a01014")
WATER = ("w00000", "w01018", "w21003", "w21011", "w21001", "w01001")


def _real_samples() -> list[bytes]:
    if not SAMPLES.exists():
        return []
    frames = []
    lines = SAMPLES.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if line.startswith("##") and "# crc: ok" in lines[index + 1 : index + 4]:
            frames.append(line.encode("utf-8") + b"\r\n")
    return frames


def _generated(count: int, rng: random.Random) -> list[bytes]:
    frames = []
    start = datetime(2026, 1, 1)  # noqa: DTZ001 - HJ 212 DataTime, naive Beijing time as devices send it
    kinds = [("22", AIR), ("31", FLUE), ("32", WATER)]
    for n in range(count):
        st, codes = kinds[n % 3]
        version = Version.V2025 if n % 4 == 0 else Version.V2017
        peer = Peer(f"{n % 200:024X}", "123456", st, version)
        when = start + timedelta(minutes=n // 200)
        # Field sets as in the real samples: air stations send Rtd/Avg + Flag, CEMS and wastewater
        # loggers add ZsRtd or Min/Max/Cou (cf. the 0411, 0494 and 0931 packets of the samples file).
        if n % 2:
            cn = "2011"
            factors = {}
            for code in codes:
                factors[code] = {"Rtd": round(rng.uniform(0, 500), 2), "Flag": rng.choice("NNNNNNNDM")}
                if st == "31":
                    factors[code]["ZsRtd"] = round(rng.uniform(0, 500), 2)
        else:
            cn = "2051"
            factors = {}
            for code in codes:
                avg = round(rng.uniform(0, 100), 2)
                if st == "22":
                    factors[code] = {"Avg": avg, "Flag": "N"}
                else:
                    factors[code] = {
                        "Min": round(avg * 0.8, 2),
                        "Avg": avg,
                        "Max": round(avg * 1.3, 2),
                        "Cou": round(rng.uniform(0, 1e4), 3),
                        "Flag": "N",
                    }
        frames.append(build_data(peer, cn, when, factors, qn=f"{when:%Y%m%d%H%M%S}{n % 1000:03d}"))
    return frames


def _stream(packets: int) -> tuple[bytes, int]:
    rng = random.Random(212)
    real = _real_samples()
    generated = _generated(2000, rng)
    pool = real * 10 + generated
    chosen = [rng.choice(pool) for _ in range(packets)]
    return b"".join(chosen), len(chosen)


def _chunks(stream: bytes) -> list[bytes]:
    return [stream[i : i + CHUNK] for i in range(0, len(stream), CHUNK)]


def _floor(chunks: list[bytes]) -> int:
    count = 0
    tail = b""
    for chunk in chunks:
        lines = (tail + chunk).split(b"\r\n")
        tail = lines.pop()
        count += len(lines)
    return count


def _parse(chunks: list[bytes]) -> int:
    framer = Framer()
    count = 0
    for chunk in chunks:
        for item in framer.feed(chunk):
            if isinstance(item, Frame) and isinstance(parse_frame(item), Packet):
                count += 1
    return count


def _parse_and_decode(chunks: list[bytes]) -> int:
    framer = Framer()
    count = 0
    for chunk in chunks:
        for item in framer.feed(chunk):
            if isinstance(item, Frame):
                packet = parse_frame(item)
                if isinstance(packet, Packet):
                    for _ in packet.measurements():
                        pass
                    count += 1
    return count


def _best(function, chunks: list[bytes], repeats: int) -> tuple[float, int]:
    best = float("inf")
    result = 0
    for _ in range(repeats):
        gc.collect()
        # CPU time of this process: the figure for one core, less disturbed by other load on the machine.
        started = time.process_time()
        result = function(chunks)
        best = min(best, time.process_time() - started)
    return best, result


def main(quick: bool = False) -> None:
    packets = 5_000 if quick else 100_000
    repeats = 1 if quick else 3
    stream, total = _stream(packets)
    chunks = _chunks(stream)
    floor_s, floor_n = _best(_floor, chunks, repeats)
    parse_s, parsed = _best(_parse, chunks, repeats)
    decode_s, decoded = _best(_parse_and_decode, chunks, repeats)
    assert floor_n == total, (floor_n, total)
    assert parsed == total, (parsed, total)
    assert decoded == total, (decoded, total)
    floor_rate, parse_rate, decode_rate = total / floor_s, total / parse_s, total / decode_s
    print(
        f"hj212 parse benchmark: {total} packets, {len(stream) / total:.0f} bytes each on average, one core"
    )
    print(f"  floor (split on CR LF)          {floor_rate:12,.0f} packets/s")
    print(
        f"  frame + CRC + typed packet      {parse_rate:12,.0f} packets/s  ({parse_rate / floor_rate:.1%} of floor)"
    )
    print(
        f"  ... + measurements as floats    {decode_rate:12,.0f} packets/s  ({decode_rate / floor_rate:.1%} of floor)"
    )
    print(f"  goal 50,000 packets/s parse: {'met' if parse_rate >= 50_000 else 'NOT met'}")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
