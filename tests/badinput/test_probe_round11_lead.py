"""Bad-input corpus, round 11, the lead's part: messages of the command line.

Found: (1) a resolver OmegaConf does not know (`seed=${foo:1}`) was said as "Unsupported interpolation type foo (key: seed)",
with nothing expected; (2) a whole entry of a map written on the command line (`+optimize.variables.crown_m={low:10,high:20}`)
was told to go into "a data config with tables: ..." whatever the map; (3) `minectl TASK -h` deep-copied the task schemas
in Hydra's store for each of its ~240 group look-ups (6.4 s of CPU for `cost -h`): the page is the same without them;
(4) simulator.pim.density_t_m3 had no upper bound (2650, kg/m3, ran)."""

from __future__ import annotations

from harness import assert_refused, invoke


def test_an_unknown_resolver_names_the_ones_there_are():
    for args in (["cost", "seed=${foo:1}"], ["cost", "-m", "seed=${foo:1},2"]):
        assert_refused(args, ["Unsupported interpolation type foo (key: seed)",
                              "expected a plain value or a resolver OmegaConf or Hydra registers (oc.env"])


def test_a_known_resolver_still_resolves():
    result = invoke("cost", "--cfg", "job", "seed=${oc.decode:'7'}", "--resolve")
    assert result.exit_code == 0, result.output
    assert "seed: 7" in result.output


def test_an_entry_of_another_map_than_the_data_tables_points_to_an_experiment_file():
    assert_refused(["optimize", "debug=quick", "+optimize.variables.crown_m={low:10,high:20}"],
                   ["+optimize.variables.crown_m: a Bounds entry cannot be written on the command line",
                    "DIR/experiment/NAME.yaml starting `# @package _global_`"])


def test_the_help_page_lists_the_groups_without_the_task_schemas():
    from hydra.core.config_store import ConfigStore

    result = invoke("cost", "-h", "seed=3")
    assert result.exit_code == 0, result.output
    assert "data: duckdb, parquet_dir, postgres, synthetic" in result.output
    assert not [name for name in ConfigStore.instance().repo if name.endswith("_schema.yaml")]
    run = invoke("cost", "--cfg", "job", "seed=3")  # a run after it registers them again
    assert run.exit_code == 0 and "seed: 3" in run.output, run.output


def test_a_simulator_density_in_kg_per_m3_is_refused():
    """simulator.pim.density_t_m3=2650 (kg/m3) weighed the ore 1000 times over, exit 0; schedule's and capacity's
    densities were bounded already (the densest element, osmium, is 22.6 t/m3)."""
    assert_refused(["optimize", "debug=quick", "simulator.pim.density_t_m3=2650"],
                   "simulator.pim.density_t_m3=2650.0 is out of range; expected a number in (0, 23]")
    result = invoke("optimize", "debug=quick", "simulator.pim.density_t_m3=22.6", "--cfg", "job")
    assert result.exit_code == 0 and "density_t_m3: 22.6" in result.output, result.output


def test_a_whole_number_written_as_a_decimal_gets_itself_as_the_example():
    """`factors.extract.levels=224.0` was told "e.g. factors.extract.levels=3", a value that key refuses."""
    assert_refused(["extract", "factors.extract.levels=224.0"],
                   "factors.extract.levels=224.0: not an integer; expected an integer, e.g. factors.extract.levels=224")
    assert_refused(["cost", "seed=3.5"], "seed=3.5: not an integer; expected an integer, e.g. seed=3")
