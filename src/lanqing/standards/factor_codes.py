"""HJ 212-2017 factor codes (Annex B) → the names this package's tables use.

Kept here, beside the tables, so the platform and the standards agree on one mapping.
"""

from __future__ import annotations

# Ambient air (HJ 633): a05024 is the HJ 524 code used for O3 in practice [U], see specs/hj212.md §8.
AIR = {"a21026": "SO2", "a21004": "NO2", "a21005": "CO", "a05024": "O3", "a34002": "PM10", "a34004": "PM2.5"}

# Surface water (GB 3838-2002 Table 1).
WATER = {"w01001": "pH", "w01009": "DO", "w01019": "CODMn", "w01018": "COD", "w01017": "BOD5",
         "w21003": "NH3-N", "w21011": "TP", "w21001": "TN"}

# Emission limit catalogue (data/emission_limits.json); a34013 is particulate matter (烟尘/颗粒物).
EMISSION = {"a34013": "PM", "a21026": "SO2", "a21002": "NOx", "w01018": "COD", "w01017": "BOD5",
            "w01012": "SS", "w21003": "NH3-N", "w21011": "TP", "w21001": "TN", "w01001": "pH"}

# Flue-gas O2 content, needed for the reference-oxygen conversion.
O2 = "a19001"
