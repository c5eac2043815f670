"""Every figure the engine uses that nobody has yet read in the official text ([U] in specs/standards.md).

One table, so that whoever fetches the official PDFs (HJ 633-2026, HJ 663-2026, GB 3095-2026, HJ 663-2013 …)
corrects the engine here and nowhere else. Each entry says where the figure came from. Figures that were read
in the standard or corroborated by several sources ([V]/[S]) live in the topic modules with their clause.
"""

from __future__ import annotations

from types import MappingProxyType

# ---- HJ 633 (AQI) ------------------------------------------------------------------------------------------

# [U] unverified: HJ 633-2026 §5.3 as read by one third-party test: when an indicator is missing and the AQI
# of
# the others is <= 100, publish "NA"; when it is > 100, publish it. For 2012 the hourly station records of
# CNEMC
# publish the AQI of the available indicators whatever its value (seen in 2017/2018 snapshots, 380 rows), so
# the 2012 rule here is "publish the partial AQI, flagged incomplete".
NA_IF_INCOMPLETE_AND_AQI_AT_MOST = MappingProxyType({"2012": None, "2026": 100})

# [U] unverified: HJ 633-2012 defines no sub-index above the last breakpoint. CNEMC publishes AQI 500 in
# dust storms; we report 500, flag the value "above table" and show it as "500+".
ABOVE_TABLE_IAQI = 500

# [U] unverified: the 2012 daily report includes the O3 daily-max 1-h value (7 indicators); the 2026 daily
# report leaves it out (6 indicators). From memory and third-party ports; see specs/standards.md §1a.
DAILY_USES_O3_1H = MappingProxyType({"2012": True, "2026": False})

# [U] unverified: the 2026 ports round concentrations per GB/T 8170 before the IAQI (integers µg/m³, CO 1 dp),
# citing HJ 633-2026 §4.2. The spec's float-trap vectors (PM2.5 4.9 -> 7 under 2026) assume no rounding, so
# the engine does not round inputs for either version until the official text says otherwise.
ROUND_INPUTS_BEFORE_IAQI = MappingProxyType({"2012": False, "2026": False})

# [U] unverified: the English category names of Table 2 (reader8 bilingual copy; the official English may
# differ).
CATEGORY_EN = (
    "Excellent",
    "Good",
    "Lightly polluted",
    "Moderately polluted",
    "Heavily polluted",
    "Severely polluted",
)

# ---- HJ 663 (assessment) -----------------------------------------------------------------------------------

# [U] unverified: MDA8 window, HJ 663-2013: the 8-h running means ending 08:00 … 24:00 of the natural day
# (17 windows, no hours of the previous day). HJ 663-2026 may use trailing windows over the whole day; the
# spec says "check HJ 663-2026". Windows are given by the hour (1–24) at which they end; an end hour below 8
# would reach into the previous day.
MDA8_WINDOW_END_HOURS = MappingProxyType({"2012": tuple(range(8, 25)), "2026": tuple(range(8, 25))})

# [U] unverified: minimum valid daily values for a monthly statistic (27; February 25), a quarterly statistic
# (taken here as: every month of the quarter meets the monthly minimum, by analogy; GB 3095 Table 4 has a
# quarterly rule only for Pb) and an annual statistic (324 a year and 27 a month, February 25: the annual part
# is [S], the per-month part is from a code comment).
MONTH_MIN_DAYS = 27
FEBRUARY_MIN_DAYS = 25
YEAR_MIN_DAYS = 324
# [U] unverified: a "to date" (累计) statistic, as county reports publish "so far this year", is not a period of
# HJ 663. Taken here as: every calendar month that has ended meets the monthly minimum, the running month is
# not judged, and no yearly minimum applies. Set True to judge the running month too.
TO_DATE_JUDGES_RUNNING_MONTH = False

# [U] unverified: statistics are rounded per GB/T 8170 (round half to even) to integers in µg/m³ and to 1 dp
# for CO in mg/m³; daily means are rounded the same way before the daily AQI and before period statistics
# (published daily values are integers). The composite index to 2 dp, percentages to 1 dp.
STAT_DECIMALS = MappingProxyType({"SO2": 0, "NO2": 0, "PM10": 0, "PM2.5": 0, "CO": 1, "O3": 0})
ROUND_DAILY_VALUES = True
COMPOSITE_DECIMALS = 2
PERCENT_DECIMALS = 1

# [U] unverified: hourly labels. CNEMC's release note says the 16:00 value is the mean of 15:00–16:00, so a
# label marks the END of its hour and the natural day D holds the labels D 01:00 … D+1 00:00.
HOUR_LABEL_MARKS_END = True

# ---- GB 3095-2026 limits -----------------------------------------------------------------------------------

# [U] unverified: GB 3095-2026 Table 1 from a third-party test (only the PM2.5 grade-2 values and the PM2.5
# grade-1 phase-2 values are confirmed by the news). µg/m³; (grade 1, grade 2). CO and O3 are unchanged from
# GB 3095-2012. Another summary gives phase-2 PM10 50/70, NO2 30/60, SO2 40/100: get the official Table 1.
GB3095_2026_LIMITS = MappingProxyType(
    {
        1: {  # phase 1, 2026-03-01 … 2030-12-31
            ("PM2.5", "year"): (15, 30),
            ("PM2.5", "24h"): (35, 60),
            ("PM10", "year"): (40, 60),
            ("PM10", "24h"): (50, 120),
            ("SO2", "year"): (20, 60),
            ("SO2", "24h"): (50, 150),
            ("SO2", "1h"): (150, 500),
            ("NO2", "year"): (40, 40),
            ("NO2", "24h"): (80, 80),
            ("NO2", "1h"): (200, 200),
        },
        2: {  # phase 2, from 2031-01-01
            ("PM2.5", "year"): (10, 25),
            ("PM2.5", "24h"): (25, 50),
            ("PM10", "year"): (20, 50),
            ("PM10", "24h"): (50, 100),
            ("SO2", "year"): (20, 20),
            ("SO2", "24h"): (50, 50),
            ("SO2", "1h"): (150, 150),
            ("NO2", "year"): (30, 30),
            ("NO2", "24h"): (50, 50),
            ("NO2", "1h"): (200, 200),
        },
    }
)

# [U] unverified: under GB 3095-2026 the composite index divisors S_i are taken as the grade-2 limits of the
# phase in force (PM2.5 30 in phase 1, 25 in phase 2 …); the 2018 ranking rules have not been reissued.
COMPOSITE_2026_USES_PHASE_LIMITS = True

# ---- Surface water -----------------------------------------------------------------------------------------

# [U] unverified: 地表水环境质量评价办法(试行) (环办〔2011〕22号), from memory: the 21 items of GB 3838 Table 1
# assessed for sections (no water temperature, TN, fecal coliform); TN only for lakes and reservoirs.
WATER_SECTION_FACTORS = (
    "pH",
    "DO",
    "CODMn",
    "COD",
    "BOD5",
    "NH3-N",
    "TP",
    "Cu",
    "Zn",
    "F",
    "Se",
    "As",
    "Hg",
    "Cd",
    "Cr6",
    "Pb",
    "CN",
    "phenol",
    "petroleum",
    "LAS",
    "S2-",
)
WATER_LAKE_EXTRA_FACTORS = ("TN",)
# [U] unverified: usual map colours for classes I … 劣V (blue, green, yellow, orange, red; I and II share
# blue).
WATER_CLASS_COLOURS = ("#1E90FF", "#1E90FF", "#00B050", "#FFD700", "#FF8C00", "#FF0000")
# [U] unverified: main pollutants of a section worse than class III: the top 3 by exceedance multiple over
# class III; pH, DO and water temperature have no multiple.
WATER_MAIN_POLLUTANTS = 3
# [S, wording ambiguous] a river or basin is judged by the share of sections when it has at least 5 of them.
WATER_MIN_SECTIONS_FOR_SHARE = 5

# ---- Emissions ---------------------------------------------------------------------------------------------

# [U] unverified limit sets (values or reference O2) of data/emission_limits.json; each carries "verified":
# "U". They are stored with the limits in that file; listed here so the [U] marks are in one place to review.
UNVERIFIED_LIMIT_SETS = (
    "ultra-low:coal-power",
    "GB13223-2011:coal",
    "GB13223-2011:coal:existing",
    "GB13223-2011:oil",
    "GB13223-2011:gas-turbine",
    "GB13223-2011:natural-gas",
    "GB13223-2011:other-gas",
    "GB13223-2011:special:coal",
)

# ---- more HJ 663 choices -----------------------------------------------------------------------------------

# [U] unverified: the daily maximum 1-h O3 (2012 daily AQI) is taken as valid with >= 20 hourly values, or
# with fewer when it exceeds the 1-h grade-2 limit (by analogy with the MDA8 rule of HJ 663-2013 §6.1.2).
O3_DAILY_MAX_1H_MIN_HOURS = 20

# [U] unverified: a period that straddles 2026-03-01 (the year 2026, its first quarter) is judged against the
# limits of the version in force on its last day; each day's AQI uses that day's version.
PERIOD_LIMITS_FROM_LAST_DAY = True

# [U] unverified: HJ 663 attainment compares annual statistics with annual limits; for months and quarters the
# engine reports the statistics but no attainment verdict.
ATTAINMENT_ONLY_FOR_YEARS = True

# [U] unverified: a 1-h mean needs at least 45 minutes of sampling in the hour (GB 3095-2012 Table 4, memory).
HOUR_MIN_MINUTES = 45
