#!/usr/bin/env python3
"""Write native/tests/fixtures/exact_sum_cases.txt: sums of doubles and their correctly rounded
values, the reference for the C++ tests of ExactSums (native/core/exact_sum.h).

    python3 scripts/make_exact_sum_fixtures.py           # (re)write the fixture
    python3 scripts/make_exact_sum_fixtures.py --check   # regenerate in memory, compare to disk

The reference is the exact sum (Python integers, in units of 2^-1074) rounded to nearest, ties
to even, by Python's own correctly rounded int/int division; wherever math.fsum can say (no
infinity, NaN or intermediate overflow) it must agree, and the script stops if it does not.
Non-finite terms follow ExactSums' rule: NaN if a NaN or both infinities were added, else the
infinity; an exact zero is +0.

Two kinds of case, one per line:
    explicit NAME EXPECTED TERM...              every term written out
    stream NAME KIND SEED COUNT CHECKSUM EXPECTED
A stream's terms come from splitmix64(SEED) by the recipe of KIND (stream_terms below; the C++
test has the same recipes), so that 10^5 terms cost one line; CHECKSUM (FNV-1a over the terms'
bits) proves both generators made the same terms. Doubles are written as 16 hex digits of
their IEEE 754 bits.
"""

import math
import random
import struct
import sys
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "native" / "tests" / "fixtures" / "exact_sum_cases.txt"
MASK = (1 << 64) - 1
INF = float("inf")
NAN = float("nan")
DBL_MAX = sys.float_info.max
TINY = 5e-324


def bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def from_bits(b):
    return struct.unpack("<d", struct.pack("<Q", b))[0]


def hexbits(x):
    return "%016x" % bits(x)


# ----------------------------------------------------------------------------- reference

def exact_units(x):
    """x (finite) as an integer count of 2^-1074."""
    b = bits(x)
    e = (b >> 52) & 0x7FF
    m = b & ((1 << 52) - 1)
    if e:
        m |= 1 << 52
    v = m << max(e - 1, 0)
    return -v if b >> 63 else v


def round_units(total):
    """The double nearest total·2^-1074, ties to even; +0 for 0; ±inf beyond the range."""
    if total == 0:
        return 0.0
    # From (2^1024 − 2^970)·2^1074 on (the midpoint above DBL_MAX, which ties to 2^1024), ∞.
    if abs(total) >= ((1 << 1024) - (1 << 970)) << 1074:
        return INF if total > 0 else -INF
    return float(Fraction(total, 1 << 1074))  # int/int true division: correctly rounded


def reference(terms):
    nan = any(math.isnan(t) for t in terms)
    pos = any(t == INF for t in terms)
    neg = any(t == -INF for t in terms)
    if nan or (pos and neg):
        return NAN
    if pos:
        return INF
    if neg:
        return -INF
    want = round_units(sum(exact_units(t) for t in terms))
    try:
        fs = math.fsum(terms)
    except OverflowError:
        fs = None
    if fs is not None and math.isfinite(fs) and not (fs == 0 and want == 0):
        if bits(fs) != bits(want):
            raise SystemExit("math.fsum disagrees with the exact rounding: %r vs %r" % (fs, want))
    return want


# ----------------------------------------------------------------------------- streams

def splitmix64(seed):
    state = seed & MASK
    while True:
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        yield z ^ (z >> 31)


def with_exponent(gen, lo, hi):
    """A double with biased exponent in [lo, hi], the sign and mantissa of one draw."""
    r = next(gen)
    e = lo + next(gen) % (hi - lo + 1)
    return from_bits((r & ((1 << 52) - 1)) | (e << 52) | (r & (1 << 63)))


def stream_terms(kind, seed, count):
    gen = splitmix64(seed)
    if kind == "cancel":
        # Huge values, then their negatives, then a few small ones: the sum is the small ones.
        small = max(1, count // 50) if count > 2 else count
        half = (count - small) // 2
        big = [with_exponent(gen, 1500, 1600) for _ in range(half)]
        rest = [with_exponent(gen, 900, 1000) for _ in range(count - 2 * half)]
        return big + [-x for x in big] + rest
    ranges = {
        "wide": (0, 2046),       # the whole exponent range, subnormals included
        "similar": (1010, 1040),  # what the E-step adds
        "subnormal": (0, 2),
        "huge": (2030, 2046),     # sums beyond the range, and their cancellation
    }
    if kind == "mixed":
        out = []
        for _ in range(count):
            pick = next(gen) % 4
            out.append(with_exponent(gen, *(ranges["wide"] if pick == 0 else ranges["similar"])))
        return out
    lo, hi = ranges[kind]
    return [with_exponent(gen, lo, hi) for _ in range(count)]


def checksum(terms):
    h = 0xCBF29CE484222325
    for t in terms:
        h = ((h ^ bits(t)) * 0x100000001B3) & MASK
    return h


# ----------------------------------------------------------------------------- explicit cases

def tie_case(rng, depth, sticky):
    """b + pieces summing to exactly half an ulp of b (a tie), shuffled; sticky: ± a tiny term."""
    b = rng.uniform(1.0, 2.0) * 2.0 ** rng.randint(-20, 20)
    e = math.frexp(b)[1] - 1  # b in [2^e, 2^(e+1))
    half = e - 53              # half an ulp of b is 2^half
    pieces = [2.0 ** (half - k) for k in range(1, depth)] + [2.0 ** (half - depth + 1)]
    terms = [b] + pieces
    if sticky:
        terms.append(rng.choice([1, -1]) * 2.0 ** (half - depth - 60))
    sign = rng.choice([1.0, -1.0])
    terms = [sign * t for t in terms]
    rng.shuffle(terms)
    return terms


def explicit_cases():
    rng = random.Random(20240515)
    cases = [
        ("empty", []),
        ("zero", [0.0]),
        ("minus-zero", [-0.0]),
        ("minus-zeros", [-0.0, -0.0]),
        ("zeros", [0.0, -0.0, 0.0]),
        ("plus-inf", [1.0, INF]),
        ("minus-inf", [-INF, DBL_MAX, DBL_MAX]),
        ("nan", [1.0, NAN, 2.0]),
        ("inf-minus-inf", [INF, 3.0, -INF]),
        ("nan-inf", [NAN, INF]),
        ("max-twice", [DBL_MAX, DBL_MAX]),
        ("max-back", [DBL_MAX, DBL_MAX, -DBL_MAX]),
        ("max-tie-to-inf", [DBL_MAX, 2.0 ** 970]),
        ("max-below-tie", [DBL_MAX, 2.0 ** 969]),
        ("max-tie-minus-tiny", [DBL_MAX, 2.0 ** 970, -TINY]),
        ("minus-max-tie", [-DBL_MAX, -(2.0 ** 970)]),
        ("tiny-twice", [TINY, TINY]),
        ("min-minus-tiny", [sys.float_info.min, -TINY]),
        ("one-tiny-minus-one", [1.0, TINY, -1.0]),
        ("big-one-minus-big", [1e100, 1.0, -1e100]),
        ("tenths", [0.1] * 10),
        ("decimals", [0.1, 0.2, 0.3, -0.6]),
        ("alternating", [(-1.0) ** k * 2.0 ** (-k) for k in range(200)]),
        ("harmonic", [1.0 / k for k in range(1, 2001)]),
        ("shewchuk", [1.0, 1e100, 1.0, -1e100]),
        ("near-subnormal", [sys.float_info.min, -sys.float_info.min / 2, -TINY]),
        ("powers", [2.0 ** k for k in range(-1074, 1024, 7)]),
        ("powers-cancel", [2.0 ** k for k in range(-1074, 1024, 7)]
         + [-(2.0 ** k) for k in range(-1067, 1024, 7)]),
    ]
    for k in range(24):
        cases.append(("tie-%d" % k, tie_case(rng, 1 + k * 4, sticky=k % 3 == 2)))
    for k in range(20):
        n = rng.randint(1, 60)
        terms = []
        for _ in range(n):
            pick = rng.random()
            if pick < 0.05:
                terms.append(rng.choice([INF, -INF, NAN]))
            elif pick < 0.15:
                terms.append(rng.choice([0.0, -0.0, TINY, -TINY]))
            elif pick < 0.3:
                subnormal = rng.getrandbits(52) | (rng.getrandbits(1) << 63)
                terms.append(from_bits(subnormal))
            else:
                terms.append(rng.choice([1, -1]) * rng.random() * 2.0 ** rng.randint(-1074, 1023))
        cases.append(("random-%d" % k, terms))
    return cases


STREAMS = [
    (kind, count)
    for kind in ("wide", "similar", "subnormal", "huge", "cancel", "mixed")
    for count in (1, 2, 3, 10, 100, 1000, 10000, 100000)
]


def render():
    lines = [
        "# Sums of doubles and their correctly rounded values: written by",
        "# scripts/make_exact_sum_fixtures.py (see there for the format); do not edit.",
    ]
    for name, terms in explicit_cases():
        words = ["explicit", name, hexbits(reference(terms))] + [hexbits(t) for t in terms]
        lines.append(" ".join(words))
    for k, (kind, count) in enumerate(STREAMS):
        seed = 1000 + k
        terms = stream_terms(kind, seed, count)
        assert len(terms) == count
        lines.append("stream %s-%d %s %d %d %016x %s" % (
            kind, count, kind, seed, count, checksum(terms), hexbits(reference(terms))))
    return "\n".join(lines) + "\n"


def main():
    text = render()
    if "--check" in sys.argv[1:]:
        if OUT.read_text() != text:
            raise SystemExit("%s differs from what the script generates" % OUT)
        print("exact_sum_cases.txt is up to date")
        return
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    print("wrote %s (%d cases)" % (OUT, text.count("\n") - 2))


if __name__ == "__main__":
    main()
