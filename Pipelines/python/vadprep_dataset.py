"""The dataset reader now lives in the `vadprep` package (`vadprep.dataset`);
this module keeps `from vadprep_dataset import ...` working for scripts in
this folder."""
from vadprep.dataset import DatasetError, check_shard, load_shard, members, read_index, shard_name_problem  # noqa: F401
