"""What the Gu County demo contains: departments, fictional enterprises, sites, outlets and demo accounts.

Plain data, no Django, so the generator and its tests can read it without a database. The divisions and the
county boundary are real (org/data); every enterprise, outlet, device and water-section name here is invented
and says so ("示例" / "演示"), because the demo must never be mistaken for a statement about a real company.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lanqing.standards import load_catalogue
from lanqing.standards.factor_codes import EMISSION

COUNTY_CODE = "141025000000"

# One password for every demo account; printed by `lanqing demo`, so it is no secret.
DEMO_PASSWORD = "lanqing-demo-2026"
# HJ 212's factory default PW; the demo simulator logs in with it.
DEMO_DEVICE_PASSWORD = "123456"
# The seed of the demo's data: the history is generated with it, and the live simulator continues it.
DEMO_SEED = 2026


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    description: str


@dataclass(frozen=True)
class UnitSpec:
    name: str
    short_name: str
    kind: str  # org.models.UnitKind value


@dataclass(frozen=True)
class IndustrySpec:
    code: str  # GB/T 4754-2017 class
    name: str
    name_en: str


@dataclass(frozen=True)
class EnterpriseSpec:
    key: str  # stable id inside the demo; also feeds the credit code and the placement
    name: str
    industry: str
    township: str  # 12-digit code
    village: str  # 12-digit code
    contact_name: str


@dataclass(frozen=True)
class Limits:
    """The limits (converted to reference O2 for gas, mg/m³ or mg/L) the generator aims its levels at.

    The standards engine owns the authoritative limit catalogue; these are the demo's assumptions about what
    each `limit_set` key means, chosen so that the simulated exceedances are exceedances there too.
    """

    reference_o2: float | None
    values: dict[str, float]
    ph: tuple[float, float] | None = None


# Keys are Site.limit_set values in the standards engine's catalogue. Fenwei-Plain cities such as Linfen apply
# the special emission limits (特别排放限值), so the special tables are chosen where a standard has one.
DEMO_LIMIT_KEYS = (
    "GB13271-2014:coal:special", "GB13223-2011:special:coal", "GB16171-2012:coke-oven:special",
    "GB4915-2013:kiln:special", "GB29620-2013:kiln", "GB18918-2002:1A", "GB20426-2006:mine-water",
)


def _limits_from_catalogue() -> dict[str, Limits]:
    code_of = {name: code for code, name in EMISSION.items()}
    catalogue = load_catalogue()
    sets = {}
    for key in DEMO_LIMIT_KEYS:
        limit_set = catalogue[key]
        values = {code_of[name]: float(limit) for name, limit in limit_set.limits.items()
                  if name in code_of and not isinstance(limit, (tuple, list))}
        ph = limit_set.limits.get("pH")
        sets[key] = Limits(limit_set.reference_o2, values,
                           ph=(float(ph[0]), float(ph[1])) if isinstance(ph, (tuple, list)) else None)
    return sets


LIMIT_SETS: dict[str, Limits] = _limits_from_catalogue()


UNITS: list[UnitSpec] = [
    UnitSpec("临汾市生态环境局古县分局", "生态环境分局", "bureau"),
    UnitSpec("中共古县县委、古县人民政府", "县委县政府", "leadership"),
    UnitSpec("古县发展和改革局", "发改局", "department"),
    UnitSpec("古县住房和城乡建设管理局", "住建局", "department"),
    UnitSpec("古县自然资源局", "自然资源局", "department"),
    UnitSpec("古县农业农村局", "农业农村局", "department"),
    UnitSpec("古县水利局", "水利局", "department"),
    UnitSpec("古县工业和信息化局", "工信局", "department"),
    UnitSpec("古县交通运输局", "交通运输局", "department"),
    UnitSpec("古县公安局", "公安局", "department"),
    UnitSpec("古县财政局", "财政局", "department"),
]

# GB/T 4754-2017 class names (国民经济行业分类).
INDUSTRIES: list[IndustrySpec] = [
    IndustrySpec("0610", "烟煤和无烟煤开采洗选", "Bituminous and anthracite coal mining and washing"),
    IndustrySpec("2521", "炼焦", "Coking"),
    IndustrySpec("3011", "水泥制造", "Cement manufacturing"),
    IndustrySpec("3031", "粘土砖瓦及建筑砌块制造", "Clay brick, tile and building block manufacturing"),
    IndustrySpec("4411", "火力发电", "Thermal power generation"),
    IndustrySpec("4430", "热力生产和供应", "Heat production and supply"),
    IndustrySpec("4620", "污水处理及其再生利用", "Wastewater treatment and recycling"),
]

YUEYANG, BEIPING, GUYANG, JIUXIAN, SANHE, NANYUAN = (
    "141025100000", "141025101000", "141025102000", "141025103000", "141025104000", "141025202000")

# Township boundaries are not public (shared/data/README.md §1), so each township gets a rough anchor,
# in the boundary's coordinates (DataV, probably GCJ-02): the county seat for 岳阳镇, and for the others a
# point in the part of the county where the township lies. Good enough to spread a demo map; not a survey.
TOWNSHIP_ANCHORS: dict[str, tuple[float, float]] = {
    YUEYANG: (111.925, 36.268),
    BEIPING: (112.000, 36.490),
    GUYANG: (112.010, 36.340),
    JIUXIAN: (112.000, 36.200),
    SANHE: (111.900, 36.420),
    NANYUAN: (112.040, 36.120),
}

ENTERPRISES: list[EnterpriseSpec] = [
    EnterpriseSpec("coal-lanshan", "示例蓝山煤业有限公司", "0610", BEIPING, "141025101204", "王示例"),
    EnterpriseSpec("coal-qingfeng", "示例青峰煤业有限公司", "0610", GUYANG, "141025102209", "李示例"),
    EnterpriseSpec("coal-shiling", "示例石岭煤业有限公司", "0610", SANHE, "141025104202", "张示例"),
    EnterpriseSpec("coal-chenguang", "示例晨光煤业有限公司", "0610", JIUXIAN, "141025103202", "赵示例"),
    EnterpriseSpec("coal-shunda", "示例顺达煤业有限公司", "0610", SANHE, "141025104209", "刘示例"),
    EnterpriseSpec("coal-fuyuan", "示例福源洗煤有限公司", "0610", NANYUAN, "141025202206", "陈示例"),
    EnterpriseSpec("coke-hongtai", "示例鸿泰焦化有限公司", "2521", GUYANG, "141025102200", "杨示例"),
    EnterpriseSpec("coke-jinding", "示例金鼎焦化有限公司", "2521", JIUXIAN, "141025103205", "黄示例"),
    EnterpriseSpec("coke-longchang", "示例隆昌焦化有限公司", "2521", BEIPING, "141025101200", "周示例"),
    EnterpriseSpec("power-guyue", "示例古岳热电有限公司", "4411", YUEYANG, "141025100201", "吴示例"),
    EnterpriseSpec("heat-county", "示例县城集中供热有限公司", "4430", YUEYANG, "141025100005", "徐示例"),
    EnterpriseSpec("heat-beiping", "示例北平供热有限公司", "4430", BEIPING, "141025101206", "孙示例"),
    EnterpriseSpec("heat-jiuxian", "示例旧县供热站", "4430", JIUXIAN, "141025103200", "马示例"),
    EnterpriseSpec("brick-hongda", "示例宏达砖业有限公司", "3031", JIUXIAN, "141025103209", "朱示例"),
    EnterpriseSpec("brick-xinxing", "示例新兴建材有限公司", "3031", NANYUAN, "141025202221", "胡示例"),
    EnterpriseSpec("brick-sanhe", "示例三合砖厂", "3031", SANHE, "141025104204", "郭示例"),
    EnterpriseSpec("cement-guxian", "示例古峰水泥有限公司", "3011", GUYANG, "141025102208", "何示例"),
    EnterpriseSpec("wwtp-county", "示例县城污水处理有限公司", "4620", YUEYANG, "141025100200", "高示例"),
    EnterpriseSpec("wwtp-beiping", "示例北平镇污水处理站", "4620", BEIPING, "141025101205", "林示例"),
    EnterpriseSpec("coal-huaxin", "示例华鑫煤业有限公司", "0610", NANYUAN, "141025202200", "罗示例"),
]


@dataclass(frozen=True)
class OutletSpec:
    code: str
    enterprise: str  # EnterpriseSpec.key
    name: str
    medium: str  # "gas" | "water"
    limit_set: str
    protocol: str  # "2005" | "2017" | "2025"
    # Typical level as a share of each limit (converted concentration); the generator varies it.
    load: float
    # Flue-gas flow (m³/s) or wastewater flow (L/s) at full load, and the gas temperature in °C.
    flow: float
    temperature: float = 0.0
    o2: float = 0.0  # typical measured O2 %, gas only
    # When the source runs: "always"; "heating" (heating boilers, 15 Nov–15 Mar); "off-heating" (cement and
    # brick kilns, stopped in the heating season by the Fenwei Plain's staggered-production orders, 错峰生产).
    # A stopped source sends flag F.
    schedule: str = "always"
    factors: tuple[str, ...] = field(default=())


GAS_FACTORS = ("a21026", "a21002", "a34013", "a19001", "a00000", "a01012")
WWTP_FACTORS = ("w01018", "w21003", "w21011", "w21001", "w01001", "w00000")
MINE_WATER_FACTORS = ("w01018", "w01012", "w01001", "w00000")


def _gas(code, enterprise, name, limit_set, protocol, load, flow, temperature, o2, schedule="always"):
    return OutletSpec(code, enterprise, name, "gas", limit_set, protocol, load, flow, temperature, o2,
                      schedule, GAS_FACTORS)


OUTLETS: list[OutletSpec] = [
    _gas("DEMO-OUT-01", "power-guyue", "1#机组锅炉烟囱", "GB13223-2011:special:coal", "2017", 0.45, 140, 50, 6.0),
    _gas("DEMO-OUT-02", "power-guyue", "2#机组锅炉烟囱", "GB13223-2011:special:coal", "2017", 0.5, 135, 52, 6.3),
    _gas("DEMO-OUT-03", "heat-county", "1#供热锅炉排放口", "GB13271-2014:coal:special", "2017", 0.45, 17, 55, 9.5,
         "heating"),
    _gas("DEMO-OUT-04", "heat-county", "2#供热锅炉排放口", "GB13271-2014:coal:special", "2005", 0.55, 12, 60, 10.0,
         "heating"),
    _gas("DEMO-OUT-05", "heat-beiping", "供热锅炉排放口", "GB13271-2014:coal:special", "2005", 0.6, 8, 65, 10.5,
         "heating"),
    _gas("DEMO-OUT-06", "heat-jiuxian", "供热锅炉排放口", "GB13271-2014:coal:special", "2025", 0.55, 6, 62, 10.8,
         "heating"),
    _gas("DEMO-OUT-07", "coke-hongtai", "1#焦炉烟囱", "GB16171-2012:coke-oven:special", "2017", 0.55, 42, 165, 8.5),
    _gas("DEMO-OUT-08", "coke-hongtai", "2#焦炉烟囱", "GB16171-2012:coke-oven:special", "2017", 0.6, 40, 170, 8.8),
    _gas("DEMO-OUT-09", "coke-jinding", "焦炉烟囱", "GB16171-2012:coke-oven:special", "2025", 0.6, 38, 160, 9.0),
    _gas("DEMO-OUT-10", "coke-longchang", "焦炉烟囱", "GB16171-2012:coke-oven:special", "2005", 0.65, 30, 175, 9.2),
    _gas("DEMO-OUT-11", "cement-guxian", "窑尾排放口", "GB4915-2013:kiln:special", "2017", 0.5, 80, 110, 10.5,
         "off-heating"),
    _gas("DEMO-OUT-12", "brick-hongda", "焙烧窑排放口", "GB29620-2013:kiln", "2005", 0.55, 22, 48, 17.0,
         "off-heating"),
    _gas("DEMO-OUT-13", "brick-xinxing", "焙烧窑排放口", "GB29620-2013:kiln", "2017", 0.5, 18, 45, 16.5,
         "off-heating"),
    _gas("DEMO-OUT-14", "brick-sanhe", "焙烧窑排放口", "GB29620-2013:kiln", "2005", 0.7, 15, 50, 17.5,
         "off-heating"),
    _gas("DEMO-OUT-15", "coal-lanshan", "锅炉房排放口", "GB13271-2014:coal:special", "2017", 0.5, 5, 70, 11.0),
    _gas("DEMO-OUT-16", "coal-chenguang", "锅炉房排放口", "GB13271-2014:coal:special", "2025", 0.55, 4, 72, 11.5),
    OutletSpec("DEMO-OUT-17", "wwtp-county", "污水处理厂总排口", "water", "GB18918-2002:1A", "2017", 0.5, 60,
               factors=WWTP_FACTORS),
    OutletSpec("DEMO-OUT-18", "wwtp-beiping", "污水处理站总排口", "water", "GB18918-2002:1A", "2005", 0.5, 8,
               factors=WWTP_FACTORS),
    OutletSpec("DEMO-OUT-19", "coal-qingfeng", "矿井水排放口", "water", "GB20426-2006:mine-water", "2017",
               0.45, 35, factors=MINE_WATER_FACTORS),
    OutletSpec("DEMO-OUT-20", "coal-shiling", "矿井水排放口", "water", "GB20426-2006:mine-water", "2025",
               0.5, 25, factors=MINE_WATER_FACTORS),
]


@dataclass(frozen=True)
class AirStationSpec:
    code: str
    name: str
    township: str
    village: str | None
    location: tuple[float, float]
    # Urban stations sit among traffic and household stoves; rural ones see less of both.
    urban: float


AIR_FACTORS = ("a34004", "a34002", "a21026", "a21004", "a21005", "a05024",
               "a01001", "a01002", "a01006", "a01007", "a01008")

AIR_STATIONS: list[AirStationSpec] = [
    AirStationSpec("DEMO-AIR-01", "演示空气站一（县城）", YUEYANG, "141025100005", (111.922, 36.266), 1.0),
    AirStationSpec("DEMO-AIR-02", "演示空气站二（北平）", BEIPING, "141025101200", (112.004, 36.488), 0.8),
]


@dataclass(frozen=True)
class WaterSectionSpec:
    code: str
    name: str
    township: str
    location: tuple[float, float]
    target_class: int
    # Typical permanganate index, COD, NH3-N, TP (mg/L) in the dry season.
    levels: tuple[float, float, float, float]


WATER_FACTORS = ("w01001", "w01009", "w01010", "w01019", "w01018", "w21003", "w21011")

# No real section names are known (shared/data/README.md §3); these names say they are invented.
WATER_SECTIONS: list[WaterSectionSpec] = [
    WaterSectionSpec("DEMO-WATER-01", "演示断面一（上游）", BEIPING, (112.030, 36.450), 2,
                     (2.8, 11.0, 0.28, 0.06)),
    WaterSectionSpec("DEMO-WATER-02", "演示断面二（县城下游）", YUEYANG, (111.935, 36.240), 3,
                     (4.2, 16.0, 0.6, 0.13)),
    WaterSectionSpec("DEMO-WATER-03", "演示断面三（出境）", JIUXIAN, (111.960, 36.140), 3,
                     (4.6, 17.5, 0.65, 0.14)),
]


DEMO_ACCOUNTS: list[DemoAccount] = [
    DemoAccount("leader", "leadership",
                "县委县政府领导（全县，只读） · County leadership (whole county, read-only)"),
    DemoAccount("bureau", "bureau", "生态环境分局 · Ecology and environment bureau"),
    DemoAccount("zhujian", "unit", "住建局 · Housing and construction department"),
    DemoAccount("yueyang", "township", "岳阳镇 · Yueyang township officer"),
    DemoAccount("grid", "grid_officer", "网格员（北平村） · Grid officer of Beiping village"),
    DemoAccount("qiye", "enterprise", "示例鸿泰焦化有限公司 · A demo coking plant"),
    DemoAccount("qiye2", "enterprise", "示例金鼎焦化有限公司 · A demo coking plant whose data mark reverted"),
]

# Scope of each demo account: a division code, a unit name or an enterprise key.
ACCOUNT_SCOPES: dict[str, str] = {
    "leader": COUNTY_CODE,
    "bureau": "临汾市生态环境局古县分局",
    "zhujian": "古县住房和城乡建设管理局",
    "yueyang": YUEYANG,
    "grid": "141025101200",
    "qiye": "coke-hongtai",
    "qiye2": "coke-jinding",
}
