"""lanqing.standards: the calculation engine for the air, water and emission standards (pure Python + numpy).

Public entry points:
- AQI (HJ 633): `compute_aqi` (arrays), `aqi_report` (one record), `iaqi`, `levels`, `level_of`, `LEVELS`.
- Versions: `air_standard_for`, `AirStandard`, `gb3095_phase`.
- Assessment (HJ 663 / GB 3095): `evaluate_hourly`, `evaluate_daily`, `daily_values`, `daily_max_8h`,
  `percentile_hj663`, `composite_index`, `good_days_ratio`.
- Water (GB 3838-2002): `section_class`, `factor_classes`, `river_status`.
- Emissions: `o2_correct`, `load_catalogue`, `check`, `emission_amount`.
"""

from lanqing.standards.aqi import (
    LEVELS,
    AqiReport,
    AqiResult,
    aqi_report,
    compute_aqi,
    iaqi,
    level_of,
    levels,
)
from lanqing.standards.emission import check, emission_amount, load_catalogue, o2_correct
from lanqing.standards.evaluation import (
    composite_index,
    daily_max_8h,
    daily_values,
    evaluate_daily,
    evaluate_hourly,
    good_days_ratio,
    percentile_hj663,
)
from lanqing.standards.versions import AirStandard, air_standard_for, gb3095_phase
from lanqing.standards.water import factor_classes, river_status, section_class

__all__ = [
    "LEVELS",
    "AirStandard",
    "AqiReport",
    "AqiResult",
    "air_standard_for",
    "aqi_report",
    "check",
    "composite_index",
    "compute_aqi",
    "daily_max_8h",
    "daily_values",
    "emission_amount",
    "evaluate_daily",
    "evaluate_hourly",
    "factor_classes",
    "gb3095_phase",
    "good_days_ratio",
    "iaqi",
    "level_of",
    "levels",
    "load_catalogue",
    "o2_correct",
    "percentile_hj663",
    "river_status",
    "section_class",
]
