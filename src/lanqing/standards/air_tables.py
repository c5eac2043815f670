"""Tables copied from the air standards: AQI breakpoints, AQI levels and GB 3095 limits.

Figures still unverified are not here but in `unverified.py`.
"""

from __future__ import annotations

from types import MappingProxyType

from lanqing.standards import unverified

# HJ 633-2012 Table 1: the IAQI at each breakpoint.
IAQI_STEPS = (0, 50, 100, 150, 200, 300, 400, 500)

# HJ 633-2012 Table 1: concentration at each IAQI step; µg/m³, CO in mg/m³. Key: indicator = pollutant and
# averaging period. Rows shorter than IAQI_STEPS end where the standard ends them (notes 2 and 3).
BREAKPOINTS_2012 = MappingProxyType(
    {
        "SO2_24h": (0, 50, 150, 475, 800, 1600, 2100, 2620),
        # HJ 633-2012 Table 1 note 2: above 800 no 1-h IAQI; the 24-h IAQI is reported instead.
        "SO2_1h": (0, 150, 500, 650, 800),
        "NO2_24h": (0, 40, 80, 180, 280, 565, 750, 940),
        "NO2_1h": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
        "PM10_24h": (0, 50, 150, 250, 350, 420, 500, 600),
        "CO_24h": (0, 2, 4, 14, 24, 36, 48, 60),  # mg/m³
        "CO_1h": (0, 5, 10, 35, 60, 90, 120, 150),  # mg/m³
        "O3_1h": (0, 160, 200, 300, 400, 800, 1000, 1200),
        # HJ 633-2012 Table 1 note 3: above 800 no 8-h IAQI; the 1-h IAQI is reported instead.
        "O3_8h": (0, 100, 160, 215, 265, 800),
        "PM2.5_24h": (0, 35, 75, 115, 150, 250, 350, 500),
    }
)

# HJ 633-2026 Table 1: only the PM rows change (IAQI 100 at PM2.5 60 and PM10 120) [S: three ports and the
# Sitian manifest]. The SO2 24-h row of aqi-hub 0.3.3 is a known bug and is not followed.
BREAKPOINTS_2026 = MappingProxyType(
    {
        **BREAKPOINTS_2012,
        "PM2.5_24h": (0, 35, 60, 115, 150, 250, 350, 500),
        "PM10_24h": (0, 50, 120, 250, 350, 420, 500, 600),
    }
)

# HJ 633-2026 (third-party readings, [S] for the rule, [U] for the wording): above the end of these rows the
# IAQI is capped instead of "not computed": SO2 1-h > 800 -> 200, O3 8-h > 800 -> 300.
CAPPED_ABOVE_2026 = MappingProxyType({"SO2_1h": 200, "O3_8h": 300})

BREAKPOINTS = MappingProxyType({"2012": BREAKPOINTS_2012, "2026": BREAKPOINTS_2026})

# Unit of each pollutant, and the resolution at which the engine reads a concentration: 0.01 µg/m³, or
# 0.001 mg/m³ for CO. Finer digits are below any analyser's reporting precision; values are rounded to this
# grid once, then everything is integer arithmetic.
UNITS = MappingProxyType(
    {"SO2": "µg/m³", "NO2": "µg/m³", "CO": "mg/m³", "O3": "µg/m³", "PM10": "µg/m³", "PM2.5": "µg/m³"}
)
SCALE = MappingProxyType({"SO2": 100, "NO2": 100, "CO": 1000, "O3": 100, "PM10": 100, "PM2.5": 100})

# Not a standard's figure: above this many mg/m³ a CO value may have been given in µg/m³ (ambient CO beyond
# ~20 mg/m³ has not been recorded at Chinese stations; µg/m³ values are in the hundreds or more). It is only a
# warning: values up to the top of HJ 633's table are still scored as given.
CO_SUSPECT_ABOVE_MG_M3 = 50

# HJ 633-2012 Table 2: AQI level bands (upper AQI of each level), Chinese category, level numeral.
LEVEL_UPPER = (50, 100, 150, 200, 300)  # level 6 above 300
LEVEL_NUMERALS = ("一级", "二级", "三级", "四级", "五级", "六级")
CATEGORY_ZH = ("优", "良", "轻度污染", "中度污染", "重度污染", "严重污染")
CATEGORY_EN = unverified.CATEGORY_EN
# HJ 633-2012 Table 2 and Annex A: colour name, RGB, CMYK [S: aqi-hub common.py; RGB also in a test].
COLOUR_ZH = ("绿色", "黄色", "橙色", "红色", "紫色", "褐红色")
COLOUR_RGB = ((0, 228, 0), (255, 255, 0), (255, 126, 0), (255, 0, 0), (153, 0, 76), (126, 0, 35))
COLOUR_CMYK = (
    (40, 0, 100, 0),
    (0, 0, 100, 0),
    (0, 52, 100, 0),
    (0, 100, 100, 0),
    (10, 100, 40, 30),
    (30, 100, 100, 30),
)

# Names of the indicators as CNEMC publishes primary pollutants, e.g. "细颗粒物(PM2.5)", "臭氧1小时".
INDICATOR_ZH = MappingProxyType(
    {
        "SO2": "二氧化硫",
        "NO2": "二氧化氮",
        "CO": "一氧化碳",
        "PM10": "颗粒物(PM10)",
        "PM2.5": "细颗粒物(PM2.5)",
        "O3_1h": "臭氧1小时",
        "O3_8h": "臭氧8小时",
    }
)

# GB 3095-2012 Table 1 (basic items), (grade 1, grade 2); µg/m³, CO mg/m³ [S: several copies agree].
# "MDA8" is the O3 daily maximum 8-h mean.
GB3095_2012_LIMITS = MappingProxyType(
    {
        ("SO2", "year"): (20, 60),
        ("SO2", "24h"): (50, 150),
        ("SO2", "1h"): (150, 500),
        ("NO2", "year"): (40, 40),
        ("NO2", "24h"): (80, 80),
        ("NO2", "1h"): (200, 200),
        ("CO", "24h"): (4, 4),
        ("CO", "1h"): (10, 10),
        ("O3", "MDA8"): (100, 160),
        ("O3", "1h"): (160, 200),
        ("PM10", "year"): (40, 70),
        ("PM10", "24h"): (50, 150),
        ("PM2.5", "year"): (15, 35),
        ("PM2.5", "24h"): (35, 75),
    }
)

# 城市环境空气质量排名技术规定 (环办监测〔2018〕19号): composite index divisors S_i = GB 3095-2012 grade 2,
# annual limits for SO2/NO2/PM10/PM2.5, the 24-h limit for CO and the 8-h limit for O3 [S: five published
# values reproduced].
COMPOSITE_DIVISORS_2012 = MappingProxyType(
    {"SO2": 60, "NO2": 40, "PM10": 70, "PM2.5": 35, "CO": 4, "O3": 160}
)

# HJ 663-2013 annual assessment items [S]: which daily statistic each pollutant is judged on.
PERCENTILE_OF_DAILY = MappingProxyType({"SO2": 98, "NO2": 98, "PM10": 95, "PM2.5": 95, "CO": 95, "O3": 90})
HAS_PERIOD_MEAN = ("SO2", "NO2", "PM10", "PM2.5")

POLLUTANTS = ("SO2", "NO2", "PM10", "PM2.5", "CO", "O3")
