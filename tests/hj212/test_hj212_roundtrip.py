"""Property tests: build → frame → parse gives back what was built, however the stream is cut."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from lanqing.hj212 import DataUpload, Frame, Framer, Peer, Version, build_data, parse_frame

codes = st.sampled_from(["a21026", "a21002", "a34004", "w01018", "w21003", "a19001", "a01012", "a00000"])
values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda v: round(v, 3))
flags = st.sampled_from(["N", "D", "M", "C", "T", "Td", "B"])
times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)).map(
    lambda t: t.replace(microsecond=0)
)
versions = st.sampled_from([Version.V2017, Version.V2025])
keys = st.one_of(st.none(), st.binary(min_size=16, max_size=16))


@st.composite
def uploads(draw):
    cn = draw(st.sampled_from(["2011", "2051", "2061", "2031"]))
    chosen = draw(st.lists(codes, min_size=0, max_size=6, unique=True))
    factors = {}
    for code in chosen:
        if cn == "2011":
            factors[code] = {"Rtd": draw(values), "ZsRtd": draw(values), "Flag": draw(flags)}
        else:
            factors[code] = {
                "Min": draw(values),
                "Avg": draw(values),
                "Max": draw(values),
                "Cou": draw(values),
                "Flag": draw(flags),
            }
    version = draw(versions)
    key = draw(keys) if version is Version.V2025 else None
    peer = Peer(draw(st.from_regex(r"[0-9A-F]{24}", fullmatch=True)), "123456", "31", version, key)
    return peer, cn, draw(times), factors


@settings(max_examples=150)
@given(uploads())
def test_a_built_upload_parses_back_to_the_same_measurements(upload):
    peer, cn, when, factors = upload
    packet = parse_frame(Framer().feed(build_data(peer, cn, when, factors))[0], key=peer.key)
    assert isinstance(packet, DataUpload), packet
    assert packet.header.mn == peer.mn
    assert packet.version is peer.version
    assert packet.encrypted == (peer.key is not None and len(packet.cp_text.encode()) >= 16)
    got = {m.code: m for m in packet.measurements()}
    assert set(got) == set(factors)
    for code, fields in factors.items():
        m = got[code]
        assert m.data_time == when
        assert m.flag == fields["Flag"]
        if cn == "2011":
            assert (m.value, m.converted) == (fields["Rtd"], fields["ZsRtd"])
        else:
            assert (m.value, m.minimum, m.maximum, m.cumulative) == (
                fields["Avg"],
                fields["Min"],
                fields["Max"],
                fields["Cou"],
            )


@settings(max_examples=100)
@given(st.lists(uploads(), min_size=1, max_size=5), st.data())
def test_random_cuts_of_a_stream_of_stuck_together_frames_yield_the_same_packets(batch, data):
    frames = [
        build_data(peer, cn, when, factors, qn="20240101000000000") for peer, cn, when, factors in batch
    ]
    stream = b"".join(frames)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=15)))
    bounds = [0, *cuts, len(stream)]
    framer = Framer()
    out = []
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        out += framer.feed(stream[lo:hi])
    out += framer.close()
    assert all(isinstance(item, Frame) for item in out)
    assert [item.raw for item in out] == frames
    for item, (peer, *_rest) in zip(out, batch, strict=True):
        assert isinstance(parse_frame(item, key=peer.key), DataUpload)
