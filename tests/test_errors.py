"""A stage's error names its parameter; the task's `config_keys` turns it into the config key."""

import pytest

from minectl.errors import ConfigError, DataError, config_keys


def test_a_stage_error_names_its_parameter_and_the_task_names_the_key():
    error = ConfigError("0 must be >= 1", param="window")
    assert str(error) == "window: 0 must be >= 1"
    with pytest.raises(ConfigError, match=r"^risk\.window: 0 must be >= 1$"):
        with config_keys({"window": "risk.window"}):
            raise error


def test_paths_below_a_parameter_and_several_parameters_keep_their_rest():
    with pytest.raises(DataError, match=r"^costs\.thresholds\.diesel/x\[2\]/cost\.z: bad$"):
        with config_keys({"z": "cost.z"}):  # the outer block names what the inner one renamed
            with config_keys({"bounds": "costs.thresholds"}):
                raise DataError("bad", param=("bounds.diesel", "x[2]", "z"))


def test_errors_without_a_parameter_are_left_alone():
    @config_keys({"window": "risk.window"})
    def stage():
        raise ConfigError("window: named in the text only")

    with pytest.raises(ConfigError, match="^window: named in the text only$"):
        stage()
