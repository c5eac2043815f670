"""The factor catalogue a new installation starts with (HJ 212-2017 Annex B codes, see specs/hj212.md §8)."""

from __future__ import annotations

from lanqing.monitoring.models import Factor

# code, 2005 code, Chinese name, English name, unit, ambient unit, kind, decimals
CATALOGUE: list[tuple[str, str, str, str, str, str, str, int]] = [
    # HJ 212-2017 Table B.2 (air and flue gas); ambient units per HJ 633-2012 (µg/m³, CO mg/m³).
    ("a21026", "02", "二氧化硫", "SO2", "mg/m³", "µg/m³", "flue_gas", 1),
    ("a21002", "03", "氮氧化物", "NOx", "mg/m³", "µg/m³", "flue_gas", 1),
    ("a21004", "", "二氧化氮", "NO2", "mg/m³", "µg/m³", "air", 1),
    ("a21005", "04", "一氧化碳", "CO", "mg/m³", "mg/m³", "air", 3),
    # a05024 is the HJ 524-2009 code used for O3 in practice; HJ 212-2017 B.2 does not list O3 [U].
    ("a05024", "", "臭氧", "O3", "µg/m³", "µg/m³", "air", 0),
    # Table B.2 lists PM in ng/m³; stations report µg/m³, so that is our unit and devices may override.
    ("a34004", "", "细颗粒物", "PM2.5", "µg/m³", "µg/m³", "air", 0),
    ("a34002", "", "可吸入颗粒物", "PM10", "µg/m³", "µg/m³", "air", 0),
    ("a34013", "01", "颗粒物(烟尘)", "Particulate matter (smoke dust)", "mg/m³", "", "flue_gas", 1),
    ("a00000", "B02", "废气流量", "Flue-gas flow", "m³/s", "", "parameter", 1),
    ("a19001", "S01", "氧含量", "O2 content", "%", "", "parameter", 1),
    ("a01011", "S02", "烟气流速", "Flue-gas velocity", "m/s", "", "parameter", 2),
    ("a01012", "S03", "烟气温度", "Flue-gas temperature", "°C", "", "parameter", 1),
    ("a01013", "S08", "烟气压力", "Flue-gas pressure", "kPa", "", "parameter", 2),
    ("a01014", "S05", "烟气湿度", "Flue-gas humidity", "%", "", "parameter", 1),
    ("a01001", "", "气温", "Air temperature", "°C", "", "parameter", 1),
    ("a01002", "", "湿度", "Relative humidity", "%", "", "parameter", 0),
    ("a01006", "", "气压", "Air pressure", "kPa", "", "parameter", 1),
    ("a01007", "", "风速", "Wind speed", "m/s", "", "parameter", 1),
    ("a01008", "", "风向", "Wind direction", "°", "", "parameter", 0),
    # HJ 212-2017 Table B.1 (water).
    ("w00000", "B01", "废水流量", "Wastewater flow", "L/s", "", "parameter", 2),
    ("w01001", "001", "pH值", "pH", "", "", "water", 2),
    ("w01009", "", "溶解氧", "Dissolved oxygen", "mg/L", "", "water", 2),
    ("w01010", "", "水温", "Water temperature", "°C", "", "parameter", 1),
    ("w01014", "", "电导率", "Conductivity", "µS/cm", "", "water", 0),
    ("w01003", "", "浊度", "Turbidity", "NTU", "", "water", 1),
    ("w01012", "003", "悬浮物", "Suspended solids", "mg/L", "", "water", 1),
    ("w01018", "011", "化学需氧量", "COD", "mg/L", "", "water", 1),
    ("w01019", "", "高锰酸盐指数", "Permanganate index", "mg/L", "", "water", 1),
    ("w01017", "010", "五日生化需氧量", "BOD5", "mg/L", "", "water", 1),
    ("w21003", "060", "氨氮", "Ammonia nitrogen", "mg/L", "", "water", 3),
    ("w21001", "065", "总氮", "Total nitrogen", "mg/L", "", "water", 2),
    ("w21011", "101", "总磷", "Total phosphorus", "mg/L", "", "water", 3),
]


def factors_ensure() -> int:
    """Adds catalogue factors that are missing; leaves factors the bureau has edited as they are."""
    existing = set(Factor.objects.values_list("code", flat=True))
    new = [
        Factor(code=code, code_2005=code_2005, name_zh=zh, name_en=en, unit=unit, ambient_unit=ambient,
               kind=kind, decimals=decimals)
        for code, code_2005, zh, en, unit, ambient, kind, decimals in CATALOGUE
        if code not in existing
    ]
    Factor.objects.bulk_create(new)
    return len(new)
