"""Reading vadprep segment datasets from PyTorch.

    python torch_segments.py SEGMENT_DIR [SEGMENT_DIR ...]

`VADSegments` and `collate_padded` live in the `vadprep` package
(`vadprep.torch_data`); they are imported from there, so
`from torch_segments import VADSegments, collate_padded` keeps working.

Run as a script it reads each dataset given, checks what it reads against
the index, and trains a small frame classifier for a few steps with a
masked loss, as a smoke test that the data is usable.
"""
import sys

import numpy as np
import torch

from vadprep.dataset import DatasetError
from vadprep.torch_data import VADSegments, collate_padded  # noqa: F401 (re-exported)


def main(directories):
    torch.manual_seed(0)
    passed = 0

    def check(condition, message):
        nonlocal passed
        if not condition:
            print(f"torch_segments: FAILED: {message}", file=sys.stderr)
            sys.exit(1)
        passed += 1

    for directory in directories:
        try:
            data = VADSegments(directory)
        except DatasetError as error:
            print(f"torch_segments: {error}", file=sys.stderr)
            sys.exit(1)
        info = data.index["segments"]
        batch = 1 if not data.fixed else 51
        loader = torch.utils.data.DataLoader(data, batch_size=batch, shuffle=True, collate_fn=collate_padded,
                                             generator=torch.Generator().manual_seed(0))
        real = sum(int(item["mask"].sum()) for item in data)
        labelled = sum(u["frames"] for u in data.index["utterances"])
        check(real <= labelled and real > 0, f"{directory}: mask counts the real frames")
        if data.fixed:
            check(all(len(item["labels"]) == info["frames"] for item in data), f"{directory}: fixed-length rows")
        model = torch.nn.Linear(data.index["feature_dim"], 1)
        optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
        losses = []
        for epoch in range(5):
            for b in loader:
                logits = model(b["features"]).squeeze(-1)
                loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    logits[b["mask"]], b["labels"][b["mask"]].float())
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                losses.append(loss.item())
        first, last = np.mean(losses[:max(1, len(losses) // 5)]), np.mean(losses[-max(1, len(losses) // 5):])
        check(last < first, f"{directory}: masked loss went down ({first:.3f} -> {last:.3f})")
        print(f"{directory}: {len(data)} {info['mode']} segments, batch {batch}, masked BCE {first:.3f} -> {last:.3f}")
    print(f"torch_segments: {passed} passed, 0 failed")


if __name__ == "__main__":
    main(sys.argv[1:])
