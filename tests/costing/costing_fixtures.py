"""The small cost mapping shared by the costing tests (imported as a fixture)."""

import pytest


@pytest.fixture
def costs():
    """A small mapping: two resources with constant prices, one priced by table."""
    return {
        "currency": "CNY",
        "resources": {
            "electricity": {"unit": "kWh", "category": "energy"},
            "labour": {"unit": "h", "category": "labour", "price": 80.0},
            "diesel": {"unit": "L", "category": "energy", "price": 8.0},
            "haulage": {"unit": "tkm", "category": "other", "price": 0.5},
        },
        "activities": {
            "drilling": {"stage": "mining", "resources": ["electricity", "labour"]},
            "hauling": {"stage": "transport", "resources": ["diesel", "haulage"]},
        },
        "prices": {"electricity": [{"valid_from": "2024-01-01", "price": 0.6}, {"valid_from": "2024-01-03", "price": 0.9}]},
        "cost_objects": ["stage", "mine"],
    }
