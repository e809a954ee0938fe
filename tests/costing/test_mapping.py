import copy

import pytest

from minectl.costing import CostMapping
from minectl.errors import ConfigError, DataError


def test_valid_mapping_lists_categories_and_stages_in_canonical_order(costs):
    mapping = CostMapping.from_dict(costs)
    assert mapping.categories == ("energy", "labour", "other")
    assert mapping.stages == ("mining", "transport")
    assert mapping.activities["hauling"].resources == ("diesel", "haulage")
    assert [p.price for p in mapping.prices] == [0.6, 0.9]


def _broken(costs, edit):
    bad = copy.deepcopy(costs)
    edit(bad)
    return bad


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda c: c["activities"]["drilling"].pop("stage"), r"costs.activities.drilling.stage: missing"),
        (lambda c: c["activities"]["drilling"].update(stage="digging"), r"costs.activities.drilling.stage: 'digging'"),
        (lambda c: c["activities"]["drilling"]["resources"].append("water"), r"costs.activities.drilling.resources: 'water' is not declared"),
        (lambda c: c["activities"]["hauling"].update(resources=[]), r"costs.activities.hauling.resources: expected at least one"),
        (lambda c: c["resources"]["labour"].update(category="people"), r"costs.resources.labour.category: 'people'"),
        (lambda c: c["resources"]["labour"].pop("unit"), r"costs.resources.labour.unit: missing"),
        (lambda c: c["resources"]["labour"].update(price=-1), r"costs.resources.labour.price: -1.0 is negative"),
        (lambda c: c["resources"]["labour"].update(price="cheap"), r"costs.resources.labour.price: 'cheap' is not a number"),
        (lambda c: c["prices"].update(water=[{"valid_from": "2024-01-01", "price": 1.0}]), r"costs.prices.water: price for unknown resource"),
        (lambda c: c["prices"]["electricity"].append({"valid_from": "soon", "price": 1.0}), r"costs.prices.electricity\[2\].valid_from"),
        (lambda c: c.update(activities={}), r"costs.activities: expected a non-empty mapping"),
        (lambda c: c.update(cost_objects=["stage", "shift"]), r"costs.cost_objects: 'shift'"),
        (lambda c: c["resources"]["labour"].update(colour="red"), r"costs.resources.labour: unknown key 'colour'"),
        (lambda c: c["activities"]["drilling"].update(stages="mining"), r"costs.activities.drilling: unknown key 'stages'"),
        (lambda c: c["prices"].update(electricity=0.6), r"costs.prices.electricity: expected a list"),
    ],
)
def test_config_errors_name_the_key(costs, edit, message):
    with pytest.raises(ConfigError, match=message):
        CostMapping.from_dict(_broken(costs, edit))


def test_resource_without_any_price_is_a_config_error(costs):
    del costs["prices"]
    mapping = CostMapping.from_dict(costs)
    with pytest.raises(ConfigError, match=r"costs.resources.electricity.price: missing"):
        mapping.check_price_table([])
    mapping.check_price_table(["electricity"])  # priced by the data's table: fine


def test_price_table_row_for_unknown_resource_is_a_config_error(costs):
    mapping = CostMapping.from_dict(costs)
    with pytest.raises(ConfigError, match=r"prices table: price for unknown resource 'water'"):
        mapping.check_price_table(["electricity", "water"])


@pytest.mark.parametrize(
    "pair, message",
    [
        (("blasting", "labour"), r"consumption_daily.activity: 'blasting' is not declared"),
        (("drilling", "water"), r"consumption_daily.resource: 'water' is not declared"),
        (("drilling", "diesel"), r"activity 'drilling' consumes 'diesel', which is not in costs.activities.drilling"),
    ],
)
def test_consumption_records_must_match_the_mapping(costs, pair, message):
    mapping = CostMapping.from_dict(costs)
    mapping.check_records([("drilling", "labour"), ("hauling", "diesel")], "consumption_daily")
    with pytest.raises(DataError, match=message):
        mapping.check_records([("drilling", "labour"), pair], "consumption_daily")
