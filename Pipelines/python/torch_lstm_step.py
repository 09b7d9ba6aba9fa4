"""Times one PyTorch CPU training step of the report's Model_1, the reference
for vadprep's own (Pipelines/bench-train.sh): LSTM(20 -> 256, batch_first),
Linear(256 -> 1), BCE on the logits, Adam lr 1e-3; forward + backward + step
on a batch of 51 segments of 300 frames.

    python torch_lstm_step.py --threads T [--steps S] [--batch 51] [--frames 300] [--inputs 20] [--hidden 256]

Prints the median step time and, on the last line, JSON.
"""
import argparse
import json
import statistics
import time

import torch


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--batch", type=int, default=51)
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--inputs", type=int, default=20)
    parser.add_argument("--hidden", type=int, default=256)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)

    lstm = torch.nn.LSTM(args.inputs, args.hidden, batch_first=True)
    linear = torch.nn.Linear(args.hidden, 1)
    optimizer = torch.optim.Adam(list(lstm.parameters()) + list(linear.parameters()), lr=1e-3)
    loss_function = torch.nn.BCEWithLogitsLoss()
    x = torch.randn(args.batch, args.frames, args.inputs)
    y = torch.randint(0, 2, (args.batch, args.frames, 1)).float()

    def step():
        optimizer.zero_grad()
        out, _ = lstm(x)
        loss = loss_function(linear(out), y)
        loss.backward()
        optimizer.step()

    step()  # warm-up
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    median = statistics.median(times) * 1000
    print(f"PyTorch {torch.__version__} LSTM step, {args.threads} thread(s): {median:.1f} ms median of {args.steps}")
    print(json.dumps({"threads": args.threads, "median_ms": round(median, 3), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
