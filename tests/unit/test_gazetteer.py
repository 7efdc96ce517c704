"""Unit tests for pipeline.text.gazetteer: cities, countries, capitals and regions by name."""

import pytest

from pipeline.text.gazetteer import capital_of, country, is_place_name, is_region, lookup


@pytest.mark.parametrize(
    ("name", "kind", "code", "canonical"),
    [
        ("Busan", "city", "KR", "Busan"),
        ("Samarkand", "city", "UZ", "Samarkand"),
        ("Ulaanbaatar", "city", "MN", "Ulan Bator"),  # an alternate name
        ("Lima", "city", "PE", "Lima"),  # the most populous of its name
        ("马尼拉", "city", "PH", "Manila"),
        ("馬尼拉", "city", "PH", "Manila"),  # traditional script
        ("撒马尔罕", "city", "UZ", "Samarkand"),
        ("the Philippines", "country", "PH", "Philippines"),
        ("菲律宾", "country", "PH", "Philippines"),
        ("U.S.", "country", "US", "United States"),
        ("Singapore", "city", "SG", "Singapore"),  # a city-state is its city
        ("West Africa", "region", "", "West Africa"),
        ("东南亚", "region", "", "东南亚"),
    ],
)
def test_gazetteer_lookup(name, kind, code, canonical):
    place = lookup(name)
    assert place is not None
    assert (place.kind, place.country_code, place.name) == (kind, code, canonical)


@pytest.mark.parametrize("name", ["", "  ", "President", "Wang", "talks", "ULN"])
def test_gazetteer_lookup_not_a_place(name):
    assert lookup(name) is None
    assert not is_place_name(name)


@pytest.mark.parametrize(("code", "capital"), [("PH", "Manila"), ("kz", "Astana"), ("DE", "Berlin"), ("XX", None)])
def test_gazetteer_capital_of(code, capital):
    place = capital_of(code)
    assert (place.name if place else None) == capital


def test_gazetteer_country_is_never_a_city():
    assert country("Mexico").kind == "country"
    assert country("Busan") is None


@pytest.mark.parametrize(("name", "region"), [("Europe", True), ("the Middle East", True), ("西非", True),
                                              ("Bonn", False), ("非洲联盟", False)])  # fmt: skip
def test_gazetteer_is_region(name, region):
    assert is_region(name) is region
